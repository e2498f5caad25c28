// Processes and load for the benchmark harness (run.ts, backends.ts): servers
// started as child processes pinned to the server core, autocannon runs,
// CPU time and RSS read from /proc.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TOKEN = 'Bearer bench-token';

export const HAS_TASKSET = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
export const TWO_CORES = cpus().length >= 2;
export const PIN = HAS_TASKSET && TWO_CORES;

/** Re-pins a running process (all its threads) to `cores` ("0", "1", "0,1"); a no-op without pinning. */
export function pin(pid: number, cores: string): void {
  if (PIN) execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}

/** The load average (1, 5, 15 min) from /proc/loadavg, or "n/a". */
export function loadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  port: number;
  info: Record<string, unknown>;
}

const children = new Set<ChildProcess>();
function stopAll(): void {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGKILL');
}
process.on('exit', stopAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

/** Spawns `node args` pinned to `core` (default 0, the server core) and returns at once. */
export function spawnServer(args: string[], env: Record<string, string>, core = '0'): ChildProcess {
  const cmd = PIN ? 'taskset' : process.execPath;
  const argv = PIN ? ['-c', core, process.execPath, ...args] : args;
  const proc = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

/** Starts a bench server that prints one JSON line with `ready` and `port`. */
export async function startReporting(
  name: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 600_000,
  core = '0',
): Promise<Child> {
  const proc = spawnServer(args, env, core);
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const info = await new Promise<Record<string, unknown>>((ok, fail) => {
    let buf = '';
    const timer = setTimeout(() => fail(new Error(`${name} did not start in ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith('{"ready"'));
      if (line) {
        clearTimeout(timer);
        ok(JSON.parse(line) as Record<string, unknown>);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited with ${code}\n${stderr}`));
    });
  });
  return { name, proc, pid: proc.pid!, port: info.port as number, info };
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

/** Polls `url` every few ms until it answers with `expectStatus`; resolves the elapsed ms since `t0`. */
export async function firstServed(
  url: string,
  t0: bigint,
  headers: Record<string, string>,
  proc: ChildProcess,
): Promise<number> {
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`process for ${url} exited`);
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return Number(process.hrtime.bigint() - t0) / 1e6;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc), or NaN elsewhere. */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (USER_HZ, 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Resident set size of a process in MB (Linux /proc), or NaN elsewhere. */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

export const PRISM_BIN = join(ROOT, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');

export async function startPrism(port: number): Promise<{ proc: ChildProcess; ms: number }> {
  const t0 = process.hrtime.bigint();
  const proc = spawnServer(
    [PRISM_BIN, 'mock', join(ROOT, 'spec', 'togai-credits.yaml'), '-p', String(port), '-h', '127.0.0.1', '-v', 'warn'],
    {},
  );
  proc.stdout!.resume();
  proc.stderr!.resume();
  const ms = await firstServed(
    `http://127.0.0.1:${port}/accounts/ACC001/credit_balance`,
    t0,
    { authorization: TOKEN },
    proc,
  );
  return { proc, ms };
}

export async function startTogaiCli(
  port: number,
  root = ROOT,
  env: Record<string, string> = {},
): Promise<{ proc: ChildProcess; ms: number }> {
  const t0 = process.hrtime.bigint();
  const proc = spawnServer([join(root, 'dist', 'cli.js')], {
    TOGAI_MOCK_PORT: String(port),
    TOGAI_MOCK_LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    ...env,
  });
  proc.stdout!.resume();
  proc.stderr!.resume();
  const ms = await firstServed(
    `http://127.0.0.1:${port}/accounts/ACC001/credit_balance`,
    t0,
    { authorization: TOKEN },
    proc,
  );
  return { proc, ms };
}

export interface Cell {
  rps: number;
  /** Server CPU time per request, in µs: robust to a busy machine, unlike req/s. */
  cpuUs: number;
  p50: number;
  p99: number;
  rssMb: number;
  non2xx: number;
  errors: number;
}

export async function load(
  url: string,
  sc: { method: 'GET' | 'POST'; body?: string | undefined; makeBody?: (() => string) | undefined },
  seconds: number,
  connections: number,
): Promise<Cell & { raw: autocannon.Result }> {
  const json = sc.body !== undefined || sc.makeBody !== undefined;
  const headers = { authorization: TOKEN, ...(json ? { 'content-type': 'application/json' } : {}) };
  const makeBody = sc.makeBody;
  const result = await autocannon({
    url,
    method: sc.method,
    connections,
    pipelining: 1,
    duration: seconds,
    headers,
    ...(sc.body ? { body: sc.body } : {}),
    // A fresh body for every request (events with ids never sent before).
    ...(makeBody
      ? { requests: [{ method: sc.method, headers, setupRequest: (req) => ({ ...req, body: makeBody() }) }] }
      : {}),
  });
  return {
    rps: result.requests.average,
    cpuUs: NaN,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rssMb: NaN,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    raw: result,
  };
}

export const median = (xs: number[]): number => {
  const s = [...xs].filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** One grant to one account: the POST /credits body every grant cell sends (the same in memory, on file, on Redis). */
export const GRANT_BODY = JSON.stringify({
  creditRequests: [
    {
      accountId: 'bench-grants',
      purpose: 'PREPAID_CREDIT',
      effectiveFrom: '2024-01-01',
      effectiveUntil: '2099-12-31',
      creditAmount: 100,
      priority: 1,
    },
  ],
});
