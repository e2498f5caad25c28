// Several togai-mock processes on one Redis, as a user runs them behind a
// load balancer: the built CLI (`node dist/cli.js`), each on its own free
// 127.0.0.1 port, all given the same TOGAI_MOCK_REDIS_URL and key prefix.
// A replica can be killed with SIGKILL and started again on the same port;
// only the PIDs started here are ever signalled (test/ship/process.ts also
// kills any still running after the file).
//
// The CLI is built into a private directory inside this clone
// (node_modules/.cache/togai-mock-cli/), named after a hash of the sources,
// spec, build settings, the clone's path and the Node version: the replicas
// never run a stale dist/, never read files that another test (npm pack runs
// the build) is rewriting in the repository's dist/ at that moment, and never
// use a build whose links point into another clone or into a node_modules
// that has since been removed (the cache goes with it). The build is reused
// by later runs while all of that is unchanged.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { cleanEnv, ROOT, start, urlOf, type Child } from '../ship/process.js';

const run = promisify(execFile);

/** Every file under `dir` (relative to ROOT), sorted. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(relative(ROOT, path));
    }
  };
  walk(join(ROOT, dir));
  return out.sort();
}

function buildKey(): string {
  const hash = createHash('sha256');
  // The build links to this clone's spec/, src/ and node_modules/; under another Node it is built again.
  hash.update(`${ROOT}\0${process.version}\0`);
  for (const file of [
    ...filesUnder('src'),
    ...filesUnder('spec'),
    'package.json',
    'package-lock.json',
    'tsconfig.json',
  ]) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(ROOT, file)));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

const BUILD_ROOT = join(ROOT, 'node_modules', '.cache', 'togai-mock-cli');
let building: Promise<string> | undefined;

/** The path of a cli.js built from the current sources (built once per change of them). */
export function builtCli(): Promise<string> {
  building ??= build();
  return building;
}

async function build(): Promise<string> {
  const dir = join(BUILD_ROOT, buildKey());
  const cli = join(dir, 'dist', 'cli.js');
  if (existsSync(join(dir, 'complete'))) return cli;
  mkdirSync(BUILD_ROOT, { recursive: true });
  pruneOldBuilds();
  const work = mkdtempSync(`${dir}.tmp-`);
  try {
    // What dist/ finds beside it at run time: the package's spec/, the UI's
    // static files (under src/ui) and its dependencies.
    for (const name of ['spec', 'src', 'node_modules', 'package.json']) symlinkSync(join(ROOT, name), join(work, name));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    // Emit only: `npm run typecheck` checks the types; declarations are for the package.
    const flags = ['--outDir', join(work, 'dist'), '--declaration', 'false', '--noCheck'];
    await run(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json'), ...flags], { cwd: ROOT, maxBuffer: 16 << 20 });
    // The build's second step: spec JSON and precompiled validators next to the code.
    await run(process.execPath, [join(work, 'dist', 'spec', 'build.js')], { cwd: ROOT });
    writeFileSync(join(work, 'complete'), `${new Date().toISOString()}\n`);
    try {
      renameSync(work, dir);
    } catch {
      // Another test file built the same sources at the same time: use theirs.
      rmSync(work, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    const e = error as { message: string; stdout?: string; stderr?: string };
    throw new Error(
      `building the CLI for the replica tests failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
      { cause: error },
    );
  }
  return cli;
}

/** Builds of older sources, untouched for a day, are removed. */
function pruneOldBuilds(): void {
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of readdirSync(BUILD_ROOT)) {
    const path = join(BUILD_ROOT, name);
    try {
      if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

export interface ReplicaOptions {
  /** TOGAI_MOCK_* settings of this replica (the Redis URL and prefix are added). */
  env?: Record<string, string>;
  /** Command-line flags. */
  args?: string[];
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Bearer credential; default "test-token"; null sends none. */
  token?: string | null;
}

/** One mock process of a group. */
export class Replica {
  child!: Child;
  url = '';
  port = 0;

  constructor(
    readonly name: string,
    private readonly cli: string,
    private readonly env: Record<string, string>,
    private readonly args: string[],
  ) {}

  get pid(): number {
    return this.child.proc.pid!;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.proc.exitCode === null && this.child.proc.signalCode === null;
  }

  /** Starts the process (on its previous port when it had one) and waits until it listens. */
  async start(): Promise<this> {
    const env = cleanEnv({ ...this.env, TOGAI_MOCK_PORT: String(this.port) });
    this.child = start(process.execPath, [this.cli, ...this.args], { env });
    this.url = await urlOf(this.child);
    this.port = Number(new URL(this.url).port);
    return this;
  }

  /** kill -9: no chance to finish anything. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    process.kill(this.pid, 'SIGKILL');
    await this.child.exited;
  }

  /** SIGTERM: a clean shutdown; resolves with its exit code. */
  async stop(): Promise<number | string> {
    if (!this.alive) return this.child.exited;
    process.kill(this.pid, 'SIGTERM');
    return this.child.exited;
  }

  /** JSON in, JSON out, with a bearer credential. */
  async call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? 'test-token' : options.token;
    if (token !== null) headers.authorization ??= `Bearer ${token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  /** What the process printed on stderr and stdout, for failure messages. */
  output(): string {
    return [...this.child.stderr, ...this.child.stdout].join('\n');
  }
}

/**
 * Replicas sharing one Redis and prefix. Start them with add(); each gets
 * TOGAI_MOCK_REDIS_URL, the group's prefix, warn-level logs and the response
 * self-check on (a response that breaks the spec is a 500, which tests see).
 */
export class ReplicaGroup {
  readonly replicas: Replica[] = [];

  constructor(
    private readonly redisUrl: string,
    readonly prefix: string,
    private readonly defaults: ReplicaOptions = {},
  ) {}

  async add(options: ReplicaOptions = {}): Promise<Replica> {
    const cli = await builtCli();
    const env = {
      TOGAI_MOCK_REDIS_URL: this.redisUrl,
      TOGAI_MOCK_REDIS_PREFIX: this.prefix,
      TOGAI_MOCK_LOG_LEVEL: 'warn',
      TOGAI_MOCK_VALIDATE_RESPONSES: 'true',
      ...this.defaults.env,
      ...options.env,
    };
    const replica = new Replica(String.fromCharCode(65 + this.replicas.length), cli, env, [
      ...(this.defaults.args ?? []),
      ...(options.args ?? []),
    ]);
    this.replicas.push(replica);
    await replica.start();
    // One clear failure, rather than every scenario failing its own way, when the build does not keep its state in
    // Redis.
    const health = await replica.call('GET', '/_mock/health', { token: null });
    if ((health.body as { backend?: unknown } | undefined)?.backend !== 'redis') {
      throw new Error(
        `replica ${replica.name} does not keep its state in Redis although TOGAI_MOCK_REDIS_URL is set (GET /_mock/health: ${health.text})`,
      );
    }
    return replica;
  }

  /** Starts two replicas at once. */
  async pair(options: ReplicaOptions = {}): Promise<[Replica, Replica]> {
    return Promise.all([this.add(options), this.add(options)]);
  }

  /** Stops every replica still running (SIGKILL: the state is in Redis anyway). */
  async killAll(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.kill()));
  }
}

/** A valid credit request, with overrides. */
export function creditRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accountId: 'ACC001',
    purpose: 'PREPAID_CREDIT',
    effectiveFrom: '2024-01-01',
    effectiveUntil: '2099-12-31',
    creditAmount: 1000,
    priority: 1,
    ...overrides,
  };
}
