// Runs togai-mock as a user does, in a child process: the CLI from source
// (through tsx) or any other command, with its output collected line by line
// so a test can wait for "listening on ..." (stderr) or a given log line (stdout) instead of
// sleeping. Every child started here is stopped by its PID after the test file.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = ['--import', 'tsx', 'src/cli.ts'];

export interface Child {
  proc: ChildProcess;
  stdout: string[];
  stderr: string[];
  /**
   * Resolves with the first stdout (or stderr) line, past or future, that matches; rejects if the process exits first.
   */
  line(match: RegExp | ((line: string) => boolean), stream?: 'stdout' | 'stderr'): Promise<string>;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

const started = new Set<ChildProcess>();
const detachedPids = new Set<number>();
afterAll(() => {
  for (const proc of started) {
    if (proc.exitCode !== null || proc.signalCode !== null || !proc.pid) continue;
    // A detached child leads its own process group (e.g. npx and the server it runs).
    process.kill(detachedPids.has(proc.pid) ? -proc.pid : proc.pid, 'SIGKILL');
  }
});

/** A clean environment: no TOGAI_MOCK_* / PORT / HOST leaking in from the caller. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('TOGAI_MOCK_') || k === 'PORT' || k === 'HOST' || k.startsWith('VITEST') || k === 'NODE_OPTIONS')
      continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export function start(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; detached?: boolean; uid?: number; gid?: number } = {},
): Child {
  const proc = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  started.add(proc);
  if (options.detached && proc.pid) detachedPids.add(proc.pid);
  const stdout: string[] = [];
  const stderr: string[] = [];
  type Waiter = { test: (l: string) => boolean; resolve: (l: string) => void };
  const waiters: Record<'stdout' | 'stderr', Waiter[]> = { stdout: [], stderr: [] };
  const collect = (stream: NodeJS.ReadableStream, into: string[], notify: Waiter[]): void => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      for (const line of parts) {
        into.push(line);
        for (const w of [...notify]) {
          if (w.test(line)) {
            notify.splice(notify.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
    stream.on('end', () => {
      if (rest !== '') into.push(rest);
    });
  };
  collect(proc.stdout!, stdout, waiters.stdout);
  collect(proc.stderr!, stderr, waiters.stderr);
  // 'close' comes after the output pipes are drained, so stdout/stderr are complete by then.
  const exited = once(proc, 'close').then(([code, signal]) => (code ?? signal) as number | string);
  return {
    proc,
    stdout,
    stderr,
    exited,
    line(match, stream = 'stdout') {
      const test = typeof match === 'function' ? match : (l: string) => match.test(l);
      const seen = (stream === 'stdout' ? stdout : stderr).find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        waiters[stream].push({ test, resolve });
        void exited.then((code) =>
          reject(new Error(`process exited (${code}) before printing a matching line; stderr: ${stderr.join('\n')}`)),
        );
      });
    },
  };
}

/** Starts the CLI from source. */
export function startCli(args: string[], env: Record<string, string> = {}): Child {
  return start(process.execPath, [...CLI, ...args], { env: cleanEnv(env) });
}

/** Waits for the CLI's "listening on <url>" line (on stderr) and returns the URL. */
export async function urlOf(child: Child): Promise<string> {
  const line = await child.line(/listening on http/, 'stderr');
  return /listening on (\S+)/.exec(line)![1]!;
}

/** Runs a command to completion. */
export async function runToEnd(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = start(command, args, options);
  const code = await child.exited;
  return { code, stdout: child.stdout.join('\n'), stderr: child.stderr.join('\n') };
}
