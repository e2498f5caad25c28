// A real Redis for tests: Debian's redis-server, started by the test on a
// free 127.0.0.1 port in a fresh temporary directory, with the persistence
// settings the mock needs for "nothing answered 200 is lost" (appendonly,
// fsync on every write, no RDB saves). It can be stopped, killed with
// SIGKILL and restarted on the same port and directory, to test that a
// restart loses nothing. Only the PIDs this helper started are ever signalled.
//
// It can also be started the way hosted Redis services run: TLS only (the
// plain port closed, certificates from test/helpers/tls.ts), a password for
// the default user (requirepass), and ACL users with rules of their own.
//
// When redis-server is not installed, `redisAvailable` is false and the
// Redis test files skip with a loud warning (`.ci/run` installs it).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { freePort } from './ports.js';
import type { TestCertificates } from './tls.js';

/**
 * redis-server on this machine: TOGAI_MOCK_TEST_REDIS_SERVER when set (only
 * that path: pointing it at nothing shows what the tests do without Redis),
 * else Debian's path, else the PATH.
 */
function findRedisServer(): string | undefined {
  const chosen = process.env.TOGAI_MOCK_TEST_REDIS_SERVER;
  if (chosen !== undefined) return existsSync(chosen) ? chosen : undefined;
  const candidates = ['/usr/bin/redis-server'];
  for (const dir of (process.env.PATH ?? '').split(delimiter))
    if (dir !== '') candidates.push(join(dir, 'redis-server'));
  return candidates.find((c): c is string => c !== undefined && c !== '' && existsSync(c));
}

export const redisServerPath = findRedisServer();
export const redisAvailable = redisServerPath !== undefined;

/** Says loudly, once per test file, why its Redis tests do not run. */
export function warnIfRedisMissing(what: string): void {
  if (!redisAvailable) {
    console.warn(
      `SKIPPED: ${what}: redis-server not found; install Debian's redis-server (apt-get install redis-server)`,
    );
  }
}

/** A command in Redis' protocol (RESP), so a password with spaces or quotes goes through as it is. */
const resp = (...args: string[]): string =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/**
 * One raw PING (after AUTH when the server wants a password, over TLS when it
 * speaks only TLS): true when Redis answers +PONG (not -LOADING while it reads its AOF).
 */
function ping(port: number, options: TestRedisOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket =
      options.tls === undefined
        ? connect({ host: '127.0.0.1', port })
        : connectTls({ host: '127.0.0.1', port, ca: readFileSync(options.tls.caFile), servername: 'localhost' });
    const commands = [...(options.password === undefined ? [] : [resp('AUTH', options.password)]), resp('PING')];
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once(options.tls === undefined ? 'connect' : 'secureConnect', () => socket.write(commands.join('')));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      const lines = reply.split('\r\n');
      if (lines.length > commands.length) done(lines[commands.length - 1]!.startsWith('+PONG'));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Children still running when the test process exits are killed (only ours). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL'); // also ends a paused (SIGSTOPped) one
});

export interface TestRedisOptions {
  /** Serve only TLS, with these certificates (the plain port is closed); clients need no certificate of their own. */
  tls?: TestCertificates | undefined;
  /** The default user's password (requirepass). */
  password?: string | undefined;
  /** ACL users, each as the rules of a redis.conf `user` line: ['name', 'on', '>password', '~prefix*', '+get', ...]. */
  users?: string[][] | undefined;
}

export interface RedisCredentials {
  user?: string | undefined;
  password?: string | undefined;
  /** The database index (the URL's /db). */
  db?: number | undefined;
}

export class TestRedis {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly options: TestRedisOptions,
  ) {}

  /** Starts a fresh Redis (empty data directory); throws when redis-server is missing or does not come up. */
  static async start(options: TestRedisOptions = {}): Promise<TestRedis> {
    if (redisServerPath === undefined) throw new Error('redis-server is not installed');
    const dir = mkdtempSync(join(tmpdir(), 'togai-mock-redis-'));
    // A port taken between freePort() and redis-server's bind makes it exit: try another.
    for (let attempt = 1; ; attempt++) {
      const redis = new TestRedis(await freePort(), dir, options);
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

  /** Its URL without credentials: rediss:// when it speaks only TLS. */
  get url(): string {
    return this.urlWith();
  }

  /** Its URL with a user, password (both percent-encoded) and database index. */
  urlWith(credentials: RedisCredentials = {}): string {
    const url = new URL(`${this.options.tls === undefined ? 'redis' : 'rediss'}://127.0.0.1:${this.port}`);
    if (credentials.user !== undefined) url.username = encodeURIComponent(credentials.user);
    if (credentials.password !== undefined) url.password = encodeURIComponent(credentials.password);
    if (credentials.db !== undefined) url.pathname = `/${credentials.db}`;
    return url.toString().replace(/\/$/, '');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  private async launch(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
      '--loglevel',
      'warning',
    ];
    const { tls, password, users } = this.options;
    if (tls !== undefined) {
      args.splice(args.indexOf('--port'), 2, '--port', '0', '--tls-port', String(this.port));
      args.push('--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile);
      // Hosted services do not ask clients for a certificate; the mock has none to give.
      args.push('--tls-auth-clients', 'no');
    }
    if (password !== undefined) args.push('--requirepass', password);
    for (const rules of users ?? []) args.push('--user', ...rules);
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
    while (!(await ping(this.port, this.options))) {
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
