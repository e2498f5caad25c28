// `npm run bench`: the load benchmark. Starts, side by side as
// child processes pinned to core 0, togai-mock (built, production, log level
// warn) preloaded with 1k and with 1M credits, `prism mock` on our own spec,
// a bare Express 5 server and a bare node:http server (both answering fixed
// bodies of the same size as togai-mock's answers), then drives each with
// autocannon from this process pinned to core 1. Writes a markdown report
// (bench/RESULTS.md between its bench markers, or --out).
//
//   npm run bench                 full run (10 s per cell, 3 runs, median)
//   npm run bench -- --quick      smoke run (short cells, 1 run, 1k + 100k)
//   options: --duration=S --runs=N --sizes=1000,1000000 --targets=togai,prism,express,http
//            --connections=N --out=FILE --no-build --no-write
//            --baseline=DIR  also run the togai-mock built in DIR (a checkout of an
//                            earlier commit with dist/ built) side by side, labelled "before"
//            --no-backends   leave out the backends section (state file, Redis; backends.ts)
//            --only-backends only that section; --backend-credits=N (100000) --backend-big=N (1000000)
//            --backend-parts=reads,pair,grants,control,startup  which parts of it to run (all)
//   With --baseline the in-memory cells default to 5 runs (a median of 5 alternating rounds),
//   and the report pairs each cell with the baseline's round by round (pairWithBaseline).
//            --baseline-commit=SHA  the commit DIR was built from, named in the report
//            --event-sizes=1000,1000000 --event-accounts=1000,100000  the events section: togai-mock
//                            preloaded (through the domain) with that many events and directory
//                            accounts, side by side; its writes (ingest, ingestBatch, the grant they
//                            are compared with) go to the first. --no-events leaves it out,
//                            --only-events runs only it.

import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  load,
  log,
  median,
  PIN,
  ROOT,
  rssMb,
  cpuMs,
  freePort,
  startPrism,
  startReporting,
  startTogaiCli,
  stop,
  TOKEN,
  type Cell,
  GRANT_BODY,
} from './procs.js';
import { renderEvents, runEvents, type EventsReport } from './event-cells.js';
import {
  BACKEND_PARTS,
  parseParts,
  renderBackends,
  runBackends,
  type BackendOptions,
  type BackendReport,
} from './backends.js';
const TMP = join(ROOT, 'bench', '.tmp');
const RESULTS = join(ROOT, 'bench', 'RESULTS.md');
const BEGIN = '<!-- bench:begin (written by npm run bench) -->';
const END = '<!-- bench:end -->';
const BEGIN_BACKENDS = '<!-- bench-backends:begin (written by npm run bench) -->';
const END_BACKENDS = '<!-- bench-backends:end -->';

// ------------------------------------------------------------------ options

export interface BenchOptions {
  quick: boolean;
  duration: number;
  warmup: number;
  runs: number;
  connections: number;
  sizes: number[];
  targets: TargetName[];
  perAccount: number;
  out: string | undefined;
  build: boolean;
  write: boolean;
  startupRuns: number;
  /** A built checkout of an earlier togai-mock to measure side by side ("before"). */
  baseline: string | undefined;
  baselineCommit: string | undefined;
  /** The main section (in memory, against Prism and bare servers); off with --only-backends. */
  main: boolean;
  /** The backends section (state file, Redis); off with --no-backends. */
  backends: BackendOptions | undefined;
  /** The events and directory section (in memory, current build only); off with --no-events. */
  events: { sizes: number[]; accounts: number[]; perAccount: number } | undefined;
}

type TargetName = 'togai' | 'prism' | 'express' | 'http';
const ALL_TARGETS: TargetName[] = ['togai', 'prism', 'express', 'http'];

export function parseArgs(argv: string[]): BenchOptions {
  const flags = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}`);
    flags.set(m[1]!, m[2] ?? 'true');
  }
  const quick = flags.get('quick') === 'true';
  const num = (k: string, d: number): number => (flags.has(k) ? Number(flags.get(k)) : d);
  const list = (k: string, d: string): string[] => (flags.get(k) ?? d).split(',').filter(Boolean);
  const targets = list('targets', ALL_TARGETS.join(',')) as TargetName[];
  for (const t of targets) if (!ALL_TARGETS.includes(t)) throw new Error(`unknown target ${t}`);
  return {
    quick,
    duration: num('duration', quick ? 2 : 10),
    warmup: num('warmup', quick ? 0.5 : 2),
    // Against a baseline, the in-memory cells are compared within 10 %: a median of 5 rounds.
    runs: num('runs', quick ? 1 : flags.has('baseline') ? 5 : 3),
    connections: num('connections', 50),
    sizes: list('sizes', quick ? '1000,100000' : '1000,1000000').map(Number),
    targets,
    perAccount: num('per-account', 100),
    out: flags.get('out') ?? (quick ? undefined : RESULTS),
    build: flags.get('no-build') !== 'true',
    write: flags.get('no-write') !== 'true',
    startupRuns: num('startup-runs', quick ? 1 : 3),
    baseline: flags.has('baseline') ? resolve(flags.get('baseline')!) : undefined,
    baselineCommit: flags.get('baseline-commit'),
    main: flags.get('only-backends') !== 'true' && flags.get('only-events') !== 'true',
    events:
      flags.get('no-events') === 'true' || flags.get('only-backends') === 'true' || !targets.includes('togai')
        ? undefined
        : {
            sizes: list('event-sizes', quick ? '1000,50000' : '1000,1000000').map(Number),
            accounts: list('event-accounts', quick ? '1000,5000' : '1000,100000').map(Number),
            perAccount: num('events-per-account', 100),
          },
    backends:
      flags.get('no-backends') === 'true' || flags.get('only-events') === 'true'
        ? undefined
        : {
            quick,
            duration: num('backend-duration', quick ? 2 : 5),
            warmup: num('warmup', quick ? 0.5 : 2),
            runs: num('runs', quick ? 1 : 3),
            connections: num('connections', 50),
            credits: num('backend-credits', quick ? 10_000 : 100_000),
            big: num('backend-big', quick ? 50_000 : 1_000_000),
            perAccount: num('per-account', 100),
            parts: parseParts(list('backend-parts', BACKEND_PARTS.join(','))),
            stateRuns: num('backend-state-runs', quick ? 3 : 9),
            seedRuns: num('backend-seed-runs', quick ? 1 : 3),
            startupRuns: num('startup-runs', quick ? 1 : 3),
          },
  };
}

// --------------------------------------------------------------- scenarios

interface Scenario {
  name: string;
  title: string;
  method: 'GET' | 'POST';
  /** Express-style route of the bare servers. */
  route: string;
  /** Concrete path for a togai-mock instance (probe ids differ per instance). */
  path: (probe: Probe) => string;
  body?: string;
}

interface Probe {
  account: string;
  credit: string;
}

// Reads first, the grant last: grants grow the store, and the read columns
// must see exactly the preloaded size.
const SCENARIOS: Scenario[] = [
  {
    name: 'list',
    title: 'GET /credits?account_id= (first page, 50)',
    method: 'GET',
    route: '/credits',
    path: (p) => `/credits?account_id=${p.account}`,
  },
  {
    name: 'details',
    title: 'GET /credits/{id} (details)',
    method: 'GET',
    route: '/credits/:credit_id',
    path: (p) => `/credits/${p.credit}`,
  },
  {
    name: 'balance',
    title: 'GET /accounts/{id}/credit_balance',
    method: 'GET',
    route: '/accounts/:account_id/credit_balance',
    path: (p) => `/accounts/${p.account}/credit_balance`,
  },
  {
    name: 'grant',
    title: 'POST /credits (grant one)',
    method: 'POST',
    route: '/credits',
    path: () => '/credits',
    body: GRANT_BODY,
  },
];

// ----------------------------------------------------------------- running

interface Instance {
  label: string;
  target: TargetName;
  /** Stored credits (togai-mock only). */
  size?: number;
  pid: number;
  port: number;
  probe: Probe;
}

export interface Report {
  options: BenchOptions;
  machine: Record<string, string>;
  startup: { togai: number[]; prism: number[]; baseline: number[] };
  preload: Array<{ size: number; ms: number; rssMb: number; build: string }>;
  /** results[scenario][instance label] = cell (median of runs) */
  results: Record<string, Record<string, Cell>>;
  /** rounds[scenario][instance label] = each run's req/s and CPU per request, in round order (for --baseline). */
  rounds?: Record<string, Record<string, Array<{ rps: number; cpuUs: number }>>>;
  instances: string[];
  started: string;
  finished: string;
  command: string;
  backends?: BackendReport;
  events?: EventsReport;
}

export async function runBench(opts: BenchOptions): Promise<Report> {
  const started = new Date().toISOString();
  mkdirSync(TMP, { recursive: true });
  if (opts.build) {
    log('npm run build');
    try {
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    } catch {
      // tsc still emits on type errors; go on when dist/ is there, but say so.
      log('WARNING: npm run build reported errors; benchmarking the dist/ it emitted');
    }
  }
  if (!existsSync(join(ROOT, 'dist', 'server.js'))) throw new Error('dist/ is missing: run npm run build');
  if (PIN) {
    // The load generator (this process, all its threads) gets core 1; servers core 0.
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  } else {
    log('WARNING: taskset or a second core is missing: server and load share the CPU');
  }

  const report: Report = {
    options: opts,
    machine: machine(),
    startup: { togai: [], prism: [], baseline: [] },
    preload: [],
    results: {},
    instances: [],
    started,
    finished: '',
    command: `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  };
  if (opts.main) await runMain(opts, report);
  // After the credits' instances are gone: a million events is a process of its own.
  if (opts.events)
    report.events = await runEvents(opts.events, {
      duration: opts.duration,
      warmup: opts.warmup,
      runs: opts.runs,
      connections: opts.connections,
    });
  // After the main section's processes are gone: it starts its own.
  if (opts.backends) report.backends = await runBackends(opts.backends);
  report.finished = new Date().toISOString();
  return report;
}

/** The in-memory scenarios: every target side by side (fills report.startup, preload, results, instances). */
async function runMain(opts: BenchOptions, report: Report): Promise<void> {
  // Start-up to first served request, on an idle machine (nothing else of ours running).
  for (let i = 0; i < opts.startupRuns; i++) {
    if (opts.targets.includes('togai')) {
      const t = await startTogaiCli(await freePort());
      report.startup.togai.push(t.ms);
      await stop(t.proc);
    }
    if (opts.baseline && opts.targets.includes('togai')) {
      const b = await startTogaiCli(await freePort(), opts.baseline);
      report.startup.baseline.push(b.ms);
      await stop(b.proc);
    }
    if (opts.targets.includes('prism')) {
      const p = await startPrism(await freePort());
      report.startup.prism.push(p.ms);
      await stop(p.proc);
    }
  }
  log(
    `start-up ms: togai ${report.startup.togai.map(Math.round).join(', ')}; prism ${report.startup.prism.map(Math.round).join(', ')}`,
  );

  // Every instance runs for the whole benchmark, so each round measures all of them side by side.
  const instances: Instance[] = [];
  const procs: ChildProcess[] = [];
  const builds: Array<{ root: string; suffix: string }> = [{ root: ROOT, suffix: '' }];
  if (opts.baseline) builds.push({ root: opts.baseline, suffix: ' (before)' });
  if (opts.targets.includes('togai')) {
    for (const { root, suffix } of builds)
      for (const size of opts.sizes) {
        log(`preloading togai-mock${suffix} with ${size} credits`);
        const c = await startReporting(
          `togai-mock ${size}${suffix}`,
          ['--expose-gc', join(root, 'bench', 'servers', 'togai-preload.mjs')],
          {
            BENCH_CREDITS: String(size),
            BENCH_PER_ACCOUNT: String(opts.perAccount),
            NODE_ENV: 'production',
          },
        );
        procs.push(c.proc);
        c.proc.stdout!.resume();
        const rss = rssMb(c.pid);
        report.preload.push({ size, ms: c.info.preloadMs as number, rssMb: rss, build: suffix });
        log(
          `  ${c.info.credits} credits in ${c.info.accounts} accounts, ${c.info.preloadMs} ms, RSS ${rss.toFixed(0)} MB`,
        );
        instances.push({
          label: `togai-mock ${fmtSize(size)}${suffix}`,
          target: 'togai',
          size,
          pid: c.pid,
          port: c.port,
          probe: { account: c.info.probeAccount as string, credit: c.info.probeCredit as string },
        });
      }
  }

  // Bodies of the bare servers: the same sizes togai-mock answers (taken from the first instance).
  const ref = instances[0];
  const bodies: Array<{ method: string; route: string; path: string; body: string }> = [];
  for (const sc of SCENARIOS) {
    let body = '{"ok":true}';
    if (ref) {
      const res = await fetch(`http://127.0.0.1:${ref.port}${sc.path(ref.probe)}`, {
        method: sc.method,
        headers: { authorization: TOKEN, 'content-type': 'application/json' },
        ...(sc.body ? { body: sc.body } : {}),
      });
      body = await res.text();
      if (res.status !== 200) throw new Error(`togai-mock answered ${res.status} to ${sc.name}: ${body}`);
    }
    bodies.push({ method: sc.method, route: sc.route, path: ref ? sc.path(ref.probe).split('?')[0]! : sc.route, body });
  }
  const bodiesFile = join(TMP, `bodies-${process.pid}.json`);
  writeFileSync(bodiesFile, JSON.stringify(bodies));

  if (opts.targets.includes('prism')) {
    const port = await freePort();
    const p = await startPrism(port);
    procs.push(p.proc);
    instances.push({
      label: 'Prism',
      target: 'prism',
      pid: p.proc.pid!,
      port,
      probe: { account: 'ACC001', credit: 'cred.22LLLScunZg.om5kC' },
    });
  }
  for (const [target, file, label] of [
    ['express', 'bare-express.mjs', 'bare Express 5'],
    ['http', 'bare-http.mjs', 'bare node:http'],
  ] as const) {
    if (!opts.targets.includes(target)) continue;
    const c = await startReporting(label, [join(ROOT, 'bench', 'servers', file)], {
      BENCH_BODIES: bodiesFile,
      NODE_ENV: 'production',
    });
    c.proc.stdout!.resume();
    procs.push(c.proc);
    instances.push({
      label,
      target,
      pid: c.pid,
      port: c.port,
      probe: ref?.probe ?? { account: 'ACC001', credit: 'cred.x' },
    });
  }
  report.instances = instances.map((i) => i.label);

  try {
    for (const sc of SCENARIOS) {
      report.results[sc.name] = {};
      const samples = new Map<string, Cell[]>();
      for (const inst of instances) {
        // Warm-up: JIT and caches, not measured.
        if (opts.warmup > 0)
          await load(`http://127.0.0.1:${inst.port}${sc.path(inst.probe)}`, sc, opts.warmup, opts.connections);
      }
      for (let run = 0; run < opts.runs; run++) {
        // Round-robin: every run of every instance sees the same machine noise.
        for (const inst of instances) {
          const cpu0 = cpuMs(inst.pid);
          const cell = await load(
            `http://127.0.0.1:${inst.port}${sc.path(inst.probe)}`,
            sc,
            opts.duration,
            opts.connections,
          );
          cell.cpuUs = ((cpuMs(inst.pid) - cpu0) * 1000) / Math.max(1, cell.raw.requests.total);
          cell.rssMb = rssMb(inst.pid);
          const list = samples.get(inst.label) ?? [];
          list.push(cell);
          samples.set(inst.label, list);
          log(
            `${sc.name} run ${run + 1} ${inst.label}: ${Math.round(cell.rps)} req/s ${Math.round(cell.cpuUs)} µs CPU/req p50 ${cell.p50} ms p99 ${cell.p99} ms RSS ${cell.rssMb.toFixed(0)} MB` +
              (cell.non2xx || cell.errors ? ` (non-2xx ${cell.non2xx}, errors ${cell.errors})` : ''),
          );
        }
      }
      report.rounds ??= {};
      report.rounds[sc.name] = Object.fromEntries(
        [...samples].map(([label, cells]) => [label, cells.map((c) => ({ rps: c.rps, cpuUs: c.cpuUs }))]),
      );
      for (const [label, cells] of samples) {
        report.results[sc.name]![label] = {
          rps: median(cells.map((c) => c.rps)),
          cpuUs: median(cells.map((c) => c.cpuUs)),
          p50: median(cells.map((c) => c.p50)),
          p99: median(cells.map((c) => c.p99)),
          rssMb: median(cells.map((c) => c.rssMb)),
          non2xx: cells.reduce((s, c) => s + c.non2xx, 0),
          errors: cells.reduce((s, c) => s + c.errors, 0),
        };
      }
    }
  } finally {
    await Promise.all(procs.map(stop));
  }
}

// ------------------------------------------------------------------ report

function machine(): Record<string, string> {
  const cpu = cpus();
  let loadavg: string;
  try {
    loadavg = readFileSync('/proc/loadavg', 'utf8').trim();
  } catch {
    loadavg = 'n/a';
  }
  return {
    nproc: String(cpu.length),
    cpu: cpu[0]?.model ?? 'unknown',
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    pinning: PIN ? 'servers taskset -c 0, load generator taskset -c 1' : 'none (taskset or a second core missing)',
    loadavgAtStart: loadavg,
  };
}

function fmtSize(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}

const f0 = (n: number): string => (Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const f2 = (n: number): string => (Number.isNaN(n) || !Number.isFinite(n) ? 'n/a' : n.toFixed(2));

export function renderReport(r: Report): string {
  const o = r.options;
  const lines: string[] = [];
  lines.push(`Command: \`${r.command}\``);
  lines.push('');
  lines.push(
    `Run ${r.started} to ${r.finished}. ${o.connections} connections, keep-alive, pipelining 1, ` +
      `${o.duration} s per cell after a ${o.warmup} s warm-up, ${o.runs} run(s) per cell, median shown. ` +
      `Preloaded accounts hold ${o.perAccount} credits each (one account's page, details and balance cost the same at every size).`,
  );
  lines.push('');
  lines.push(
    `Machine: ${Object.entries(r.machine)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}.`,
  );
  lines.push('');
  const togaiLabels = r.instances.filter((l) => l.startsWith('togai-mock'));
  lines.push(
    ...targetSummary(
      r,
      togaiLabels.filter((l) => !l.endsWith(' (before)')),
    ),
  );
  const has = (l: string): boolean => r.instances.includes(l);
  for (const sc of SCENARIOS) {
    const cells = r.results[sc.name];
    if (!cells) continue;
    lines.push(`### ${sc.title}`);
    lines.push('');
    lines.push(
      '| target | req/s | p50 ms | p99 ms | CPU µs/req | RSS MB | x Prism | / bare Express | / same at smallest size |',
    );
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const label of r.instances) {
      const c = cells[label];
      if (!c) continue;
      const isTogai = label.startsWith('togai-mock');
      const suffix = label.endsWith(' (before)') ? ' (before)' : '';
      const firstOfBuild = togaiLabels.find((l) => l.endsWith(' (before)') === (suffix !== ''));
      const base = firstOfBuild ? cells[firstOfBuild] : undefined;
      const prism = has('Prism') ? cells.Prism : undefined;
      const express = has('bare Express 5') ? cells['bare Express 5'] : undefined;
      const flags = c.non2xx || c.errors ? ` (non-2xx ${c.non2xx}, errors ${c.errors})` : '';
      lines.push(
        `| ${label}${flags} | ${f0(c.rps)} | ${c.p50} | ${c.p99} | ${f0(c.cpuUs)} | ${f0(c.rssMb)} | ` +
          `${isTogai && prism ? f2(c.rps / prism.rps) : ''} | ${isTogai && express ? `${f0((100 * c.rps) / express.rps)} %` : ''} | ` +
          `${isTogai && base && sc.name !== 'grant' ? `${f0((100 * c.rps) / base.rps)} %` : ''} |`,
      );
    }
    lines.push('');
  }
  lines.push(...renderPaired(pairWithBaseline(r)));
  if (r.instances.includes('Prism')) {
    lines.push(
      "Prism is stateless (it answers the spec's examples), so it has no store size: the same Prism figures serve as the comparison for every togai-mock size.",
    );
    lines.push('');
  }
  lines.push('### Start-up to first served request');
  lines.push('');
  lines.push('| target | runs (ms) | median ms |');
  lines.push('|---|---|---:|');
  if (r.startup.togai.length)
    lines.push(
      `| togai-mock (\`node dist/cli.js\`, empty store) | ${r.startup.togai.map(Math.round).join(', ')} | ${f0(median(r.startup.togai))} |`,
    );
  if (r.startup.baseline.length)
    lines.push(
      `| togai-mock before (\`node dist/cli.js\` of --baseline) | ${r.startup.baseline.map(Math.round).join(', ')} | ${f0(median(r.startup.baseline))} |`,
    );
  if (r.startup.prism.length)
    lines.push(
      `| Prism (\`prism mock spec/togai-credits.yaml\`) | ${r.startup.prism.map(Math.round).join(', ')} | ${f0(median(r.startup.prism))} |`,
    );
  lines.push('');
  lines.push(
    'Measured from spawning the process to the first 200 on `GET /accounts/ACC001/credit_balance` (polled every 5 ms).',
  );
  lines.push('');
  if (r.preload.length) {
    lines.push('### Stored credits and memory');
    lines.push('');
    lines.push('| build | credits (each with its CREDITED transaction) | preload ms | RSS after preload MB |');
    lines.push('|---|---:|---:|---:|');
    for (const p of r.preload) lines.push(`| togai-mock${p.build} | ${f0(p.size)} | ${f0(p.ms)} | ${f0(p.rssMb)} |`);
    lines.push('');
    lines.push('RSS is read from /proc/PID/status after the preload and a full GC (`--expose-gc`).');
    lines.push('');
  }
  if (r.events) lines.push(...renderEvents(r.events));
  return lines.join('\n');
}

export interface PairedCell {
  scenario: string;
  label: string;
  /** after / before req/s of each round (both measured in the same round). */
  rpsRatios: number[];
  /** before / after CPU per request of each round (above 1: the current build uses less). */
  cpuRatios: number[];
  rpsRatio: number;
  cpuRatio: number;
}

/**
 * Each current cell against its baseline cell round by round: in a round
 * every instance runs once, in turn, so the machine's load (which on a shared machine moves
 * a build's own medians by 10-20 % between rounds) weighs on both alike. The
 * median of the paired ratios is what "within 10 % of the baseline" is read
 * from; the medians of each build taken apart can pair a quiet round of one
 * with a busy round of the other.
 */
export function pairWithBaseline(r: Pick<Report, 'rounds'>): PairedCell[] {
  const out: PairedCell[] = [];
  for (const [scenario, byLabel] of Object.entries(r.rounds ?? {})) {
    for (const [label, after] of Object.entries(byLabel)) {
      const before = byLabel[`${label} (before)`];
      if (label.endsWith(' (before)') || !before) continue;
      const n = Math.min(after.length, before.length);
      if (n === 0) continue;
      const rpsRatios = after.slice(0, n).map((a, i) => a.rps / before[i]!.rps);
      const cpuRatios = after.slice(0, n).map((a, i) => before[i]!.cpuUs / a.cpuUs);
      out.push({ scenario, label, rpsRatios, cpuRatios, rpsRatio: median(rpsRatios), cpuRatio: median(cpuRatios) });
    }
  }
  return out;
}

function renderPaired(cells: PairedCell[]): string[] {
  if (cells.length === 0) return [];
  const pct = (x: number): string => `${f0(100 * x)} %`;
  const lines = [
    '### Against the baseline, paired round by round',
    '',
    'Every round runs each instance once, in turn (the current build, then the baseline); the ratio of a cell to its',
    "baseline twin is taken within the round, and the median of the rounds' ratios is compared (within 10 %: at",
    'least 90 %).',
    '',
    '| cell | after / before req/s, each round | median | by CPU per request (median) | within 10 % |',
    '|---|---|---:|---:|---|',
  ];
  for (const c of cells) {
    lines.push(
      `| ${c.scenario}, ${c.label.replace('togai-mock ', '')} | ${c.rpsRatios.map(pct).join(', ')} | ${pct(c.rpsRatio)} | ` +
        `${pct(c.cpuRatio)} | ${c.rpsRatio >= 0.9 ? 'yes' : '**no**'} |`,
    );
  }
  lines.push('');
  return lines;
}

/**
 * The issue's targets, each with the figure measured, whether it is met, and
 * the context that says what was reachable in the same run: the framework's
 * own figure (bare Express against Prism, bare Express's p99) and the ratio
 * by server CPU per request, which a busy machine disturbs less than req/s.
 */
function targetSummary(r: Report, labels: string[]): string[] {
  const small = labels[0];
  const large = labels[labels.length - 1];
  const rows: string[] = [];
  const row = (target: string, measured: string, context: string, ok: boolean | undefined): void => {
    rows.push(`| ${target} | ${measured} | ${context} | ${ok === undefined ? 'n/a' : ok ? 'met' : '**missed**'} |`);
  };
  const cell = (sc: string, label: string | undefined): Cell | undefined =>
    label ? r.results[sc]?.[label] : undefined;
  const prism = (sc: string): Cell | undefined => r.results[sc]?.Prism;
  const express = (sc: string): Cell | undefined => r.results[sc]?.['bare Express 5'];
  const ceiling = (sc: string): string => {
    const p = prism(sc);
    const e = express(sc);
    return p && e ? `bare Express: ${f2(e.rps / p.rps)}x Prism` : '';
  };
  const g = cell('grant', small);
  if (g) {
    const p = prism('grant');
    const e = express('grant');
    row(
      'POST /credits >= 5x Prism',
      p ? `${f2(g.rps / p.rps)}x` : 'n/a',
      ceiling('grant'),
      p ? g.rps / p.rps >= 5 : undefined,
    );
    row(
      'POST /credits >= 85 % of bare Express',
      e ? `${f0((100 * g.rps) / e.rps)} %` : 'n/a',
      e ? `by CPU per request: ${f0((100 * e.cpuUs) / g.cpuUs)} %` : '',
      e ? g.rps / e.rps >= 0.85 : undefined,
    );
    row('POST /credits p99 <= 15 ms', `${g.p99} ms`, e ? `bare Express: ${e.p99} ms` : '', g.p99 <= 15);
  }
  if (large !== undefined && small !== undefined && large !== small) {
    const at = large.replace('togai-mock ', '');
    for (const sc of ['list', 'details', 'balance']) {
      const a = cell(sc, small);
      const b = cell(sc, large);
      const p = prism(sc);
      if (!a || !b) continue;
      row(
        `${sc} at ${at} >= 85 % of ${small.replace('togai-mock ', '')}`,
        `${f0((100 * b.rps) / a.rps)} %`,
        `by CPU per request: ${f0((100 * a.cpuUs) / b.cpuUs)} %`,
        b.rps / a.rps >= 0.85,
      );
      const e = express(sc);
      row(
        `${sc} at ${at} >= 5x Prism`,
        p ? `${f2(b.rps / p.rps)}x` : 'n/a',
        [ceiling(sc), e ? `togai-mock ${at}: ${f0((100 * b.rps) / e.rps)} % of bare Express` : '']
          .filter(Boolean)
          .join('; '),
        p ? b.rps / p.rps >= 5 : undefined,
      );
    }
  }
  const million = r.preload.find((p) => p.size === 1_000_000 && p.build === '');
  if (million)
    row(
      '1,000,000 credits <= 450 MB RSS',
      `${f0(million.rssMb)} MB`,
      'after the preload and a full GC',
      million.rssMb <= 450,
    );
  if (r.startup.togai.length) {
    const ms = median(r.startup.togai);
    row(
      'start-up to first served request <= 500 ms',
      `${f0(ms)} ms`,
      r.startup.prism.length ? `Prism: ${f0(median(r.startup.prism))} ms` : '',
      ms <= 500,
    );
  }
  if (rows.length === 0) return [];
  return [
    '### Targets (in memory)',
    '',
    '| target | measured | in the same run | |',
    '|---|---:|---|---|',
    ...rows,
    '',
  ];
}

/** Replaces the text between `begin` and `end` in `file` (appended, under `heading`, when they are missing). */
function writeReport(file: string, body: string, begin = BEGIN, end = END, heading = ''): void {
  const block = `${begin}\n${body}\n${end}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + end.length);
  else text = `${text ? `${text.trimEnd()}\n\n` : '# Benchmark results\n\n'}${heading}${block}\n`;
  writeFileSync(file, text);
}

// -------------------------------------------------------------------- main

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2));
  const report = await runBench(opts);
  const md = opts.main ? renderReport(report) : undefined;
  // --only-events prints its section; RESULTS.md's block is the whole in-memory report, so it is left alone.
  if (!opts.main && report.events) process.stdout.write(`${renderEvents(report.events).join('\n')}\n`);
  const mdBackends = report.backends
    ? renderBackends(
        report.backends,
        opts.main
          ? {
              results: report.results,
              instances: report.instances,
              startup: report.startup,
              baselineCommit: opts.baseline ? (opts.baselineCommit ?? 'unknown') : undefined,
            }
          : undefined,
        report.command,
      )
    : undefined;
  for (const text of [md, mdBackends]) if (text) process.stdout.write(`${text}\n`);
  if (opts.out && opts.write) {
    if (md) writeReport(resolve(opts.out), md);
    if (mdBackends)
      writeReport(resolve(opts.out), mdBackends, BEGIN_BACKENDS, END_BACKENDS, '## State file and Redis\n\n');
    log(`wrote ${opts.out}`);
  }
  if (opts.write) writeFileSync(join(TMP, 'last-report.json'), JSON.stringify(report, null, 2));
  process.exit(0);
}
