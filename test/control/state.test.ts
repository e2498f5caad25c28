// Snapshots and the state file: GET/PUT /_mock/state (format version, all or
// nothing), the state file surviving a restart, a corrupt file stopping the
// start untouched, and a kill -9 in the middle of writes (and of a
// compaction of the state file's log) leaving every change that was answered
// loadable.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTogaiMock } from '../../src/index.js';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';

const CHILD = fileURLToPath(new URL('./support/child-server.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'togai-mock-state-'));

let mock: TestMock;
beforeAll(async () => {
  mock = await startTestMock();
});

describe('GET/PUT /_mock/state', () => {
  it('round-trips everything, and replaces all of it', async () => {
    await mock.call('PUT', '/_mock/clock', { body: { now: '2024-06-01T00:00:00Z' } });
    const g = await mock.call('POST', '/credits', {
      body: { creditRequests: [creditRequest(), creditRequest({ accountId: 'B' })] },
    });
    await mock.call('POST', '/_mock/accounts/ACC001/consume', { body: { amount: 5, hold: true, invoiceId: 'i1' } });
    const snap = await mock.call('GET', '/_mock/state');
    expect(snap.body).toMatchObject({
      formatVersion: 1,
      tenants: [{ key: 'shared', clock: { frozenAt: Date.parse('2024-06-01T00:00:00Z') } }],
    });

    await mock.call('POST', '/_mock/reset');
    expect((await mock.call('GET', '/credits')).body.data).toEqual([]);
    expect((await mock.call('PUT', '/_mock/state', { body: snap.body })).status).toBe(204);
    const list = await mock.call('GET', '/credits');
    expect(list.body.data.map((c: any) => c.id)).toEqual(g.body.credits.map((c: any) => c.id));
    expect((await mock.call('GET', '/_mock/accounts/ACC001')).body.holds).toHaveLength(1);
    expect((await mock.call('GET', '/_mock/clock')).body).toEqual({ now: '2024-06-01T00:00:00.000Z', frozen: true });
  });

  it('refuses another formatVersion or an inconsistent snapshot, and changes nothing', async () => {
    const before = (await mock.call('GET', '/_mock/state')).body;
    const v2 = await mock.call('PUT', '/_mock/state', { body: { ...before, formatVersion: 2 } });
    expect(v2).toMatchObject({
      status: 400,
      body: { message: 'snapshot formatVersion 2 is not supported; this togai-mock reads version 1' },
    });
    const broken = structuredClone(before);
    broken.tenants[0].ledger.accounts = [];
    const r = await mock.call('PUT', '/_mock/state', { body: broken });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^snapshot: credit cred\.\S+ belongs to unknown account/);
    const typo = await mock.call('PUT', '/_mock/state', { body: { formatVersion: 1, tenants: [{ key: 'x' }] } });
    expect(typo).toMatchObject({ status: 400, body: { message: 'tenants[0].clock is required' } });
    const after = (await mock.call('GET', '/_mock/state')).body;
    expect(after.tenants).toEqual(before.tenants);
  });
});

describe('state file', () => {
  it('survives a restart', async () => {
    const file = join(tempDir(), 'state.json');
    const first = await startTogaiMock({ stateFile: file });
    const r = await fetch(`${first.url}/credits`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: JSON.stringify({ creditRequests: [creditRequest({ effectiveUntil: undefined })] }),
    });
    const granted = ((await r.json()) as { credits: Array<{ id: string }> }).credits[0]!;
    // Answered means saved: the state file's log holds the grant before close().
    const lines = readFileSync(`${file}.log`, 'utf8').trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]!) as {
      commands: Array<{ type: string; requests?: Array<{ accountId: string }> }>;
    };
    expect(last.commands).toMatchObject([{ type: 'grant', requests: [{ accountId: 'ACC001' }] }]);
    await first.close();

    const second = await startTogaiMock({ stateFile: file });
    try {
      const got = await fetch(`${second.url}/credits/${granted.id}`, { headers: { authorization: 'Bearer t' } });
      expect(await got.json()).toMatchObject({ id: granted.id, transactions: [{ transactionType: 'CREDITED' }] });
    } finally {
      await second.close();
    }
  });

  it('refuses to start on a corrupt or incompatible file, and leaves it untouched', async () => {
    const dir = tempDir();
    const corrupt = join(dir, 'corrupt.json');
    writeFileSync(corrupt, '{"formatVersion": 1, "tenants": [');
    await expect(startTogaiMock({ stateFile: corrupt })).rejects.toThrow(
      new RegExp(
        `^state file ${corrupt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be loaded: it is not valid JSON .*left untouched`,
      ),
    );
    expect(readFileSync(corrupt, 'utf8')).toBe('{"formatVersion": 1, "tenants": [');

    const future = join(dir, 'future.json');
    const text = JSON.stringify({ formatVersion: 9, tenants: [] });
    writeFileSync(future, text);
    await expect(startTogaiMock({ stateFile: future })).rejects.toThrow(
      /formatVersion 9 is not supported; this togai-mock reads version 1/,
    );
    expect(readFileSync(future, 'utf8')).toBe(text);
  });
});

describe('kill -9 in the middle of writes', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  async function startChild(file: string): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      cwd: ROOT,
      // Compacting often, so that a kill lands inside a compaction (snapshot and log rewrite).
      env: {
        ...process.env,
        TOGAI_MOCK_STATE_FILE: file,
        TOGAI_MOCK_STATE_SNAPSHOT_EVERY: '25',
        TOGAI_MOCK_SEED: '',
        TOGAI_MOCK_ISOLATE_TENANTS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const lines = createInterface({ input: child.stdout! });
    const first = await Promise.race([
      once(lines, 'line').then(([l]) => l as string),
      once(child, 'exit').then(() => {
        throw new Error(`child exited before listening: ${stderr}`);
      }),
    ]);
    return { child, url: (JSON.parse(first) as { url: string }).url };
  }

  /** A fetch that failed because the server went away (it was killed), not for any other reason. */
  function isConnectionLoss(err: unknown): boolean {
    if (!(err instanceof TypeError)) return false;
    const code = (err.cause as { code?: unknown } | undefined)?.code;
    return ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(String(code));
  }

  /**
   * One run: a child under write load is killed with SIGKILL the moment a
   * temporary file exists once enough changes are answered, i.e. while a
   * compaction of the state file (a new snapshot, then the log rewritten
   * without what it covers) is being written; appends go on meanwhile.
   * `midSave` says whether the kill did land there (the temporary file
   * outlived the process); the compaction may also have finished between the
   * watcher's look and the kill, and then the run proves less.
   */
  async function killUnderWrites(): Promise<{
    dir: string;
    file: string;
    acknowledged: Set<string>;
    sent: number;
    midSave: boolean;
  }> {
    const dir = tempDir();
    const file = join(dir, 'state.json');
    const { child, url } = await startChild(file);
    // Some bulk, so each compaction takes a moment and a kill lands inside one.
    const seeded = await fetch(`${url}/_mock/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seed: 3, accounts: 300, creditsPerAccount: 5 }),
    });
    expect(seeded.status).toBe(200);

    const acknowledged = new Set<string>();
    let stop = false;
    let killSent = false;
    const kill = (): void => {
      killSent = true;
      child.kill('SIGKILL');
    };
    let n = 0;
    const writer = async (): Promise<void> => {
      while (!stop) {
        const i = n++;
        try {
          const r = await fetch(`${url}/credits`, {
            method: 'POST',
            headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
            body: JSON.stringify({
              creditRequests: [creditRequest({ accountId: `KILL-${i}`, effectiveUntil: undefined })],
            }),
          });
          if (r.status === 200)
            acknowledged.add(((await r.json()) as { credits: Array<{ id: string }> }).credits[0]!.id);
          else throw new Error(`POST /credits answered ${r.status}: ${await r.text()}`);
          // Should the watcher never see a save in progress, the kill still happens under load (and the run is
          // retried).
          if (acknowledged.size >= 400 && !killSent) kill();
        } catch (err) {
          // Only the kill may stop a writer; any other failure fails the test.
          if (killSent && isConnectionLoss(err)) return;
          throw err;
        }
      }
    };

    // Once enough changes are answered, kill the child the moment a temporary file exists.
    const killed = new Promise<void>((resolve) => {
      child.once('exit', () => {
        watcher.close();
        resolve();
      });
      const watcher = watch(dir, (_event, name) => {
        if (
          !killSent &&
          acknowledged.size >= 40 &&
          name !== null &&
          name.includes('.tmp-') &&
          existsSync(join(dir, name))
        ) {
          watcher.close();
          kill();
        }
      });
    });
    const writing = Promise.all(Array.from({ length: 8 }, writer));
    try {
      // A writer that fails ends the wait too (the child is then killed by afterAll).
      await Promise.race([killed, writing]);
    } finally {
      stop = true;
    }
    await writing;
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    expect(child.signalCode).toBe('SIGKILL');
    // The half-written temporary file is still there only if the process died mid-save.
    const midSave = readdirSync(dir).some((f) => f.includes('.tmp-'));
    return { dir, file, acknowledged, sent: n, midSave };
  }

  it('leaves a loadable file holding every answered change', async () => {
    // A kill that lands just after a save finished is a plain kill; run again until one lands mid-save.
    let run = await killUnderWrites();
    for (let attempt = 2; !run.midSave && attempt <= 5; attempt++) run = await killUnderWrites();
    expect(run.midSave, 'in five runs, no kill landed while a save was being written').toBe(true);
    const { dir, file, acknowledged, sent: n } = run;

    const restarted = await startChild(file);
    const ids = new Set<string>();
    let token: string | undefined;
    do {
      const page = await fetch(
        `${restarted.url}/credits?pageSize=50${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`,
        {
          headers: { authorization: 'Bearer t' },
        },
      );
      const body = (await page.json()) as { data: Array<{ id: string }>; nextToken?: string };
      for (const c of body.data) ids.add(c.id);
      token = body.nextToken;
    } while (token);
    expect(acknowledged.size).toBeGreaterThanOrEqual(40);
    for (const id of acknowledged) expect(ids.has(id)).toBe(true);
    expect(ids.size).toBeLessThanOrEqual(1500 + n);
    // The leftover temporary file was cleaned up at start-up.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    restarted.child.kill('SIGTERM');
  }, 300_000);
});
