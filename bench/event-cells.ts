// The events and directory section of `npm run bench` (run.ts): togai-mock
// (the current build only: earlier builds have no events) preloaded through
// the domain with a small and a large store of events and directory accounts
// (togai-preload.mjs), side by side. Reads are measured first, on every
// instance, so they see exactly the preloaded sizes; the writes then go to the
// small instance: POST /ingest alternating with POST /credits (one grant), and
// POST /ingestBatch of 100 events. Every ingested event has an id never sent
// before, so each one is judged and stored as a new event.

import { join } from 'node:path';
import { cpuMs, GRANT_BODY, load, log, median, ROOT, rssMb, startReporting, stop, type Cell } from './procs.js';
import type { ChildProcess } from 'node:child_process';

export interface EventOptions {
  sizes: number[];
  accounts: number[];
  perAccount: number;
}

interface Probe {
  eventAccount: string;
  accountsToken: string | undefined;
}

interface EventInstance {
  label: string;
  events: number;
  accounts: number;
  pid: number;
  port: number;
  probe: Probe;
}

interface EventScenario {
  name: string;
  title: string;
  method: 'GET' | 'POST';
  path: (p: Probe) => string;
  body?: string;
  makeBody?: () => string;
  /** Events one request stores (ingest cells): the table shows events/s too. */
  eventsPerRequest?: number;
}

export interface EventPreload {
  label: string;
  events: number;
  accounts: number;
  eventAccounts: number;
  preloadMs: number;
  rssMb: number;
  rssWithEventsMb: number;
  eventsRssMb: number;
  eventsHeapMb: number;
}

export interface EventsReport {
  preload: EventPreload[];
  /** groups[i] = cells measured side by side (alternating rounds); cells[k] = median of the runs. */
  groups: Array<{ title: string; cells: Array<{ scenario: string; title: string; instance: string; cell: Cell }> }>;
}

const SCHEMAS = 5;

/** `count` events of one body, ids from a counter (never repeated), spread over `accounts`. */
function eventsBody(count: number, accounts: string[], batch: boolean): () => string {
  let n = 0;
  const stamp = Date.now();
  return () => {
    const events: string[] = [];
    for (let i = 0; i < count; i++) {
      const k = n++;
      // The events of a request are 1 s apart inside the last day: inside the grace period, whatever the clock.
      const timestamp = new Date(stamp - (k % 86_400) * 1000).toISOString();
      events.push(
        `{"id":"bench-${process.pid}-${k}","accountId":${JSON.stringify(accounts[k % accounts.length])},` +
          `"schemaName":"schema_${k % SCHEMAS}","timestamp":"${timestamp}",` +
          `"attributes":[{"name":"requests","value":"${k % 97}","unit":"count"}],"dimensions":{"region":"eu-west-1"}}`,
      );
    }
    return batch ? `{"events":[${events.join(',')}]}` : `{"event":${events[0]}}`;
  };
}

const fmt = (n: number): string => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

export async function runEvents(
  o: EventOptions,
  cell: { duration: number; warmup: number; runs: number; connections: number },
): Promise<EventsReport> {
  const report: EventsReport = { preload: [], groups: [] };
  const instances: EventInstance[] = [];
  const procs: ChildProcess[] = [];
  try {
    for (const [i, events] of o.sizes.entries()) {
      const accounts = o.accounts[i] ?? o.accounts[o.accounts.length - 1]!;
      const label = `togai-mock ${fmt(events)} events / ${fmt(accounts)} accounts`;
      log(`preloading ${label}`);
      const c = await startReporting(label, ['--expose-gc', join(ROOT, 'bench', 'servers', 'togai-preload.mjs')], {
        BENCH_CREDITS: '0',
        BENCH_EVENTS: String(events),
        BENCH_DIR_ACCOUNTS: String(accounts),
        BENCH_EVENTS_PER_ACCOUNT: String(o.perAccount),
        // The ingestion cells keep adding to the first instance: past the default cap in a long run.
        BENCH_MAX_EVENTS: '100000000',
        NODE_ENV: 'production',
      });
      procs.push(c.proc);
      c.proc.stdout!.resume();
      const info = c.info as Record<string, number | string>;
      const rss = rssMb(c.pid);
      report.preload.push({
        label,
        events: info.events as number,
        accounts: info.dirAccounts as number,
        eventAccounts: info.eventAccounts as number,
        preloadMs: info.preloadMs as number,
        rssMb: rss,
        rssWithEventsMb: info.rssWithEventsMb as number,
        eventsRssMb: info.eventsRssMb as number,
        eventsHeapMb: info.eventsHeapMb as number,
      });
      log(`  ${info.events} events, ${info.dirAccounts} accounts, ${info.preloadMs} ms, RSS ${rss.toFixed(0)} MB`);
      instances.push({
        label,
        events,
        accounts,
        pid: c.pid,
        port: c.port,
        probe: {
          eventAccount: info.probeEventAccount as string,
          accountsToken: info.probeAccountsToken as string | undefined,
        },
      });
    }
    const small = instances[0]!;
    // The accounts the small instance's events name (bench-dir-0000000...): ingested events go to them.
    const eventAccounts = Array.from(
      { length: report.preload[0]!.eventAccounts },
      (_, i) => `bench-dir-${String(i).padStart(7, '0')}`,
    );
    const reads: EventScenario[] = [
      {
        name: 'events',
        title: 'GET /events?account_id= (first page, 50)',
        method: 'GET',
        path: (p) => `/events?account_id=${p.eventAccount}&pageSize=50`,
      },
      {
        name: 'accounts',
        title: 'GET /accounts (a page of 50 from the middle, by nextToken)',
        method: 'GET',
        path: (p) =>
          `/accounts?pageSize=50${p.accountsToken ? `&nextToken=${encodeURIComponent(p.accountsToken)}` : ''}`,
      },
    ];
    const grant: EventScenario = {
      name: 'grant',
      title: 'POST /credits (grant one)',
      method: 'POST',
      path: () => '/credits',
      body: GRANT_BODY,
    };
    const ingest: EventScenario = {
      name: 'ingest',
      title: 'POST /ingest (one event)',
      method: 'POST',
      path: () => '/ingest',
      makeBody: eventsBody(1, eventAccounts, false),
      eventsPerRequest: 1,
    };
    const batch: EventScenario = {
      name: 'ingestBatch',
      title: 'POST /ingestBatch (100 events)',
      method: 'POST',
      path: () => '/ingestBatch',
      makeBody: eventsBody(100, eventAccounts, true),
      eventsPerRequest: 100,
    };
    const groups: Array<{ title: string; cells: Array<{ sc: EventScenario; inst: EventInstance }> }> = [
      ...reads.map((sc) => ({ title: sc.title, cells: instances.map((inst) => ({ sc, inst })) })),
      {
        title: `POST /ingest and POST /credits, alternating, on ${small.label}`,
        cells: [
          { sc: grant, inst: small },
          { sc: ingest, inst: small },
        ],
      },
      { title: `POST /ingestBatch (100 events) on ${small.label}`, cells: [{ sc: batch, inst: small }] },
    ];
    for (const g of groups) {
      // Each answer must be a success before it is measured: a cell of errors measures nothing.
      for (const { sc, inst } of g.cells) {
        const res = await fetch(`http://127.0.0.1:${inst.port}${sc.path(inst.probe)}`, {
          method: sc.method,
          headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' },
          ...(sc.body || sc.makeBody ? { body: sc.body ?? sc.makeBody!() } : {}),
        });
        const text = await res.text();
        if (res.status >= 300) throw new Error(`${inst.label} answered ${res.status} to ${sc.name}: ${text}`);
        if (sc.name === 'ingest' && !text.includes('"success":true'))
          throw new Error(`${inst.label}: ingest did not complete: ${text}`);
        if (cell.warmup > 0) await load(url(inst, sc), sc, cell.warmup, cell.connections);
      }
      const samples = new Map<number, Cell[]>();
      for (let run = 0; run < cell.runs; run++) {
        for (const [k, { sc, inst }] of g.cells.entries()) {
          const cpu0 = cpuMs(inst.pid);
          const c = await load(url(inst, sc), sc, cell.duration, cell.connections);
          c.cpuUs = ((cpuMs(inst.pid) - cpu0) * 1000) / Math.max(1, c.raw.requests.total);
          c.rssMb = rssMb(inst.pid);
          samples.set(k, [...(samples.get(k) ?? []), c]);
          log(
            `${sc.name} run ${run + 1} ${inst.label}: ${Math.round(c.rps)} req/s ${Math.round(c.cpuUs)} µs CPU/req p99 ${c.p99} ms RSS ${c.rssMb.toFixed(0)} MB` +
              (c.non2xx || c.errors ? ` (non-2xx ${c.non2xx}, errors ${c.errors})` : ''),
          );
        }
      }
      report.groups.push({
        title: g.title,
        cells: g.cells.map(({ sc, inst }, k) => {
          const cells = samples.get(k)!;
          return {
            scenario: sc.name,
            title: sc.title,
            instance: inst.label,
            cell: {
              rps: median(cells.map((c) => c.rps)),
              cpuUs: median(cells.map((c) => c.cpuUs)),
              p50: median(cells.map((c) => c.p50)),
              p99: median(cells.map((c) => c.p99)),
              rssMb: median(cells.map((c) => c.rssMb)),
              non2xx: cells.reduce((s, c) => s + c.non2xx, 0),
              errors: cells.reduce((s, c) => s + c.errors, 0),
            },
          };
        }),
      });
    }
  } finally {
    await Promise.all(procs.map(stop));
  }
  return report;
}

function url(inst: EventInstance, sc: EventScenario): string {
  return `http://127.0.0.1:${inst.port}${sc.path(inst.probe)}`;
}

const f0 = (n: number): string => (Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));

/** The section's markdown: targets first, then every group's table and the memory table. */
export function renderEvents(r: EventsReport): string[] {
  const lines: string[] = ['## Events and accounts (in memory)', ''];
  const find = (scenario: string): Array<{ instance: string; cell: Cell }> =>
    r.groups.flatMap((g) => g.cells.filter((c) => c.scenario === scenario));
  const rows: string[] = [];
  const row = (target: string, measured: string, context: string, ok: boolean): void => {
    rows.push(`| ${target} | ${measured} | ${context} | ${ok ? 'met' : '**missed**'} |`);
  };
  const batch = find('ingestBatch')[0];
  if (batch) {
    const perS = batch.cell.rps * 100;
    row(
      'POST /ingestBatch of 100 >= 20,000 events/s stored',
      `${f0(perS)} events/s`,
      `${f0(batch.cell.rps)} req/s, ${f0(batch.cell.cpuUs / 100)} µs CPU per event`,
      perS >= 20_000,
    );
  }
  const grant = find('grant')[0];
  const ingest = find('ingest')[0];
  if (grant && ingest) {
    row(
      'POST /ingest >= 85 % of POST /credits (grant)',
      `${f0((100 * ingest.cell.rps) / grant.cell.rps)} %`,
      `by CPU per request: ${f0((100 * grant.cell.cpuUs) / ingest.cell.cpuUs)} %`,
      ingest.cell.rps / grant.cell.rps >= 0.85,
    );
  }
  for (const sc of ['events', 'accounts']) {
    const cells = find(sc);
    if (cells.length < 2) continue;
    const a = cells[0]!;
    const b = cells[cells.length - 1]!;
    row(
      `${sc === 'events' ? 'GET /events?account_id=' : 'GET /accounts'} at ${b.instance.replace('togai-mock ', '')} >= 85 % of ${a.instance.replace('togai-mock ', '')}`,
      `${f0((100 * b.cell.rps) / a.cell.rps)} %`,
      `by CPU per request: ${f0((100 * a.cell.cpuUs) / b.cell.cpuUs)} %`,
      b.cell.rps / a.cell.rps >= 0.85,
    );
  }
  const big = r.preload[r.preload.length - 1];
  if (big && big.events > 0) {
    row(
      `RSS with ${f0(big.events)} events <= 600 MB`,
      `${f0(big.rssWithEventsMb)} MB`,
      `the process with the events and the ${f0(big.eventAccounts)} accounts they name, after a full GC; ` +
        `the events' share ${f0(big.eventsRssMb)} MB = ${f0((big.eventsRssMb * 2 ** 20) / big.events)} bytes per event ` +
        `(heap ${f0((big.eventsHeapMb * 2 ** 20) / big.events)})`,
      big.rssWithEventsMb <= 600,
    );
  }
  lines.push(
    '### Targets (events and accounts)',
    '',
    '| target | measured | in the same run | |',
    '|---|---:|---|---|',
  );
  lines.push(...rows, '');
  for (const g of r.groups) {
    lines.push(`### ${g.title}`, '');
    lines.push('| cell | target | req/s | events/s | p50 ms | p99 ms | CPU µs/req | RSS MB |');
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
    for (const c of g.cells) {
      const per = c.scenario === 'ingestBatch' ? 100 : c.scenario === 'ingest' ? 1 : 0;
      const flags = c.cell.non2xx || c.cell.errors ? ` (non-2xx ${c.cell.non2xx}, errors ${c.cell.errors})` : '';
      lines.push(
        `| ${c.title} | ${c.instance}${flags} | ${f0(c.cell.rps)} | ${per ? f0(c.cell.rps * per) : ''} | ${c.cell.p50} | ${c.cell.p99} | ${f0(c.cell.cpuUs)} | ${f0(c.cell.rssMb)} |`,
      );
    }
    lines.push('');
  }
  lines.push('### Stored events, accounts and memory', '');
  lines.push(
    '| instance | events | accounts (events name) | preload ms | RSS with the events and their accounts MB | events MB (RSS / heap) | RSS after preload MB |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const p of r.preload) {
    lines.push(
      `| ${p.label} | ${f0(p.events)} | ${f0(p.accounts)} (${f0(p.eventAccounts)}) | ${f0(p.preloadMs)} | ${f0(p.rssWithEventsMb)} | ${f0(p.eventsRssMb)} / ${f0(p.eventsHeapMb)} | ${f0(p.rssMb)} |`,
    );
  }
  lines.push('');
  lines.push(
    `Preloaded through the domain (bench/servers/togai-preload.mjs), not over HTTP: each account of the directory with its own customer; ` +
      `the events go --events-per-account (100) to an account, interleaved (one account's events lie spread over the whole store), ` +
      'each parsed from JSON text as a request would be. The writes go to the first instance after the reads; every ingested event has a new id.',
  );
  lines.push('');
  return lines;
}
