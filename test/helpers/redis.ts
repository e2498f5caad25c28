// A real Redis for tests: Debian's redis-server, started by the test on a
// free 127.0.0.1 port in a fresh temporary directory, with the persistence
// settings the mock needs for "nothing answered 200 is lost" (appendonly,
// fsync on every write, no RDB saves). It can be stopped, killed with
// SIGKILL and restarted on the same port and directory, to test that a
// restart loses nothing. Only the PIDs this helper started are ever signalled.
//
// When redis-server is not installed, `redisAvailable` is false and the
// Redis test files skip with a loud warning (`.ci/run` installs it).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './ports.js';

/**
 * redis-server on this machine: TOGAI_MOCK_TEST_REDIS_SERVER when set (only
 * that path: pointing it at nothing shows what the tests do without Redis),
 * else Debian's path, else the PATH.
 */
function findRedisServer(): string | undefined {
  const chosen = process.env.TOGAI_MOCK_TEST_REDIS_SERVER;
  if (chosen !== undefined) return existsSync(chosen) ? chosen : undefined;
  const candidates = ['/usr/bin/redis-server'];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir !== '') candidates.push(join(dir, 'redis-server'));
  return candidates.find((c): c is string => c !== undefined && c !== '' && existsSync(c));
}

export const redisServerPath = findRedisServer();
export const redisAvailable = redisServerPath !== undefined;

/** Says loudly, once per test file, why its Redis tests do not run. */
export function warnIfRedisMissing(what: string): void {
  if (!redisAvailable) {
    console.warn(`SKIPPED: ${what}: redis-server not found; install Debian's redis-server (apt-get install redis-server)`);
  }
}

/** One raw PING: true when Redis answers +PONG (not -LOADING while it reads its AOF). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Children still running when the test process exits are killed (only ours). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL'); // also ends a paused (SIGSTOPped) one
});

export class TestRedis {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  /** Starts a fresh Redis (empty data directory); throws when redis-server is missing or does not come up. */
  static async start(): Promise<TestRedis> {
    if (redisServerPath === undefined) throw new Error('redis-server is not installed');
    const dir = mkdtempSync(join(tmpdir(), 'togai-mock-redis-'));
    // A port taken between freePort() and redis-server's bind makes it exit: try another.
    for (let attempt = 1; ; attempt++) {
      const redis = new TestRedis(await freePort(), dir);
      try {
        await redis.launch();
        return redis;
      } catch (error) {
        if (attempt >= 3) {
          rmSync(dir, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  private async launch(): Promise<void> {
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--appendonly', 'yes',
      '--appendfsync', 'always',
      '--save', '',
      '--daemonize', 'no',
      '--protected-mode', 'yes',
      '--loglevel', 'warning',
    ];
    const child = spawn(redisServerPath!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.output = '';
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let exited = false;
    child.once('exit', () => {
      exited = true;
      running.delete(child);
      if (this.child === child) this.child = undefined;
    });
    this.child = child;
    running.add(child);
    const deadline = Date.now() + 15_000;
    while (!(await ping(this.port))) {
      if (exited) throw new Error(`redis-server exited at start (port ${this.port}):\n${this.output}`);
      if (Date.now() > deadline) {
        await this.signal('SIGKILL');
        throw new Error(`redis-server did not answer PING within 15 s (port ${this.port}):\n${this.output}`);
      }
      await sleep(20);
    }
  }

  /** Sends a signal to our redis-server and waits for it to exit. */
  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.kill(signal);
    if (signal !== 'SIGKILL') child.kill('SIGCONT'); // a paused Redis handles SIGTERM only once it runs
    await exited;
  }

  /** A clean shutdown (SIGTERM: Redis finishes its AOF writes first). */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** kill -9: no chance to flush anything that was not already written. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGSTOP: Redis stops answering but keeps its connections open (a hung server). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** SIGCONT after pause(). */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Starts redis-server again on the same port and directory (it reloads its AOF). */
  async restart(): Promise<void> {
    if (this.child !== undefined) await this.stop();
    await this.launch();
  }

  /** Stops Redis and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
