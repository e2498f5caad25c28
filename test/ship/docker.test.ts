// The Docker image, reproduced without a Docker engine (none runs here): the
// Dockerfile's build stage is replayed in a clean copy of the build context,
// then its runtime stage in a separate directory with production dependencies
// only, its CMD started with its ENV as its USER, and its HEALTHCHECK run.
// Node here is the machine's, not the image's node:24; npm installs come from
// the npm cache when they can (npm_config_prefer_offline), as a mirror would.

import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildContext, parseDockerfile, parseDockerignore, isIgnored, replayStage, type StageResult } from './dockerfile.js';
import { ROOT, start, urlOf } from './process.js';

// Child processes (npm, npx, the server) take seconds each on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'togai-mock-docker-'));
chmodSync(tmp, 0o755);
let context: string[] = [];
let build: StageResult;
let runtime: StageResult;

/** Docker's `node` user in the official images. */
const NODE_UID = 1000;
const canSwitchUser = process.getuid?.() === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('npm_') || k.startsWith('TOGAI_MOCK_') || k.startsWith('VITEST') || ['PORT', 'HOST', 'NODE_ENV', 'NODE_OPTIONS'].includes(k)) continue;
    env[k] = v;
  }
  // The image would reach the registry; here the warm npm cache stands in for it.
  return { ...env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' };
};

beforeAll(async () => {
  const ctx = join(tmp, 'context');
  context = buildContext(ROOT, ctx);
  const stages = new Map<string, StageResult>();
  for (const stage of dockerfile.stages) {
    const result = await replayStage(stage, join(tmp, `stage-${stage.name}`), { context: ctx, stages, baseEnv: baseEnv() });
    stages.set(stage.name, result);
  }
  build = stages.get('build')!;
  runtime = stages.get('runtime')!;
}, 480_000);

// Hundreds of MB of node_modules: removed without blocking, with time to spare on a busy machine.
afterAll(() => rm(tmp, { recursive: true, force: true }), 300_000);

describe('Dockerfile', () => {
  it('has a build stage and a slim runtime stage', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(dockerfile.stages[1]!.image).toMatch(/^node:\d+-slim$/);
    const runs = dockerfile.stages[1]!.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.rest);
    expect(runs.some((r) => /npm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(dockerfile.stages[0]!.instructions.some((i) => i.keyword === 'RUN' && /npm run build/.test(i.rest))).toBe(true);
  });

  it('runs as a non-root user, binds all interfaces, exposes 4010, checks health with node', () => {
    expect(runtime.user).toBeDefined();
    expect(['root', '0']).not.toContain(runtime.user);
    expect(runtime.env.HOST).toBe('0.0.0.0');
    expect(runtime.expose).toEqual(['4010']);
    expect(runtime.healthcheck?.command[0]).toBe('node');
    expect(runtime.healthcheck?.command.join(' ')).toContain('/_mock/health');
    const commands = dockerfile.stages.flatMap((st) => st.instructions.map((i) => i.rest)).join('\n');
    expect(commands).not.toMatch(/\b(curl|wget)\b/);
    expect(runtime.cmd).toEqual(['node', 'dist/cli.js']);
  });

  it('.dockerignore keeps dependencies, builds, tests and secrets out of the context', () => {
    const rules = parseDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
    for (const p of ['node_modules/express/package.json', 'dist/cli.js', '.git/HEAD', 'test/ship/docker.test.ts', '.env', 'togai-mock-0.1.0.tgz']) {
      expect(isIgnored(rules, p), p).toBe(true);
    }
    for (const p of ['src/cli.ts', 'spec/togai-credits.yaml', 'package.json', 'package-lock.json', 'tsconfig.json', 'LICENSE']) {
      expect(isIgnored(rules, p), p).toBe(false);
    }
    expect(context.some((f) => f.startsWith('node_modules/') || f.startsWith('test/') || f.startsWith('.git/'))).toBe(false);
  });
});

describe('the reproduced image', () => {
  it('the build stage compiled dist/ from the context alone', () => {
    expect(existsSync(join(build.root, build.workdir, 'dist/cli.js'))).toBe(true);
    expect(existsSync(join(build.root, build.workdir, 'dist/index.d.ts'))).toBe(true);
  });

  it('the runtime stage holds no dev dependency', () => {
    const app = join(runtime.root, runtime.workdir);
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, meta]) => path !== '' && meta.dev === true);
    expect(devOnly.length).toBeGreaterThan(0);
    expect(devOnly.filter(([path]) => existsSync(join(app, path))).map(([path]) => path)).toEqual([]);
    // The tools only the build needs (some type packages are also needed by production ones).
    for (const name of ['typescript', 'vitest', 'tsx', '@stoplight/prism-cli', 'playwright-core']) {
      expect(existsSync(join(app, 'node_modules', name)), name).toBe(false);
    }
    expect(existsSync(join(app, 'node_modules/express'))).toBe(true);
    // Pact ships in the image: `togai-mock verify` runs there.
    expect(existsSync(join(app, 'node_modules/@pact-foundation/pact'))).toBe(true);
    expect(existsSync(join(app, 'src/cli.ts'))).toBe(false);
  });

  it('its CMD starts with its ENV as its USER, serves on all interfaces, passes its HEALTHCHECK and stops on SIGTERM', async () => {
    if (!canSwitchUser) console.warn('not root: the runtime CMD runs as the current user instead of the image user node (uid 1000)');
    const app = join(runtime.root, runtime.workdir);
    // As `docker run -e ... -v`: a free port (the image says 4010), a state file in the writable
    // data/ directory and a fallback spec "mounted" read-only.
    const mounted = join(tmp, 'mounted');
    mkdirSync(mounted);
    chmodSync(mounted, 0o755);
    cpSync(join(ROOT, 'test/fixtures/togai-extra.yaml'), join(mounted, 'togai-extra.yaml'));
    const port = String(await freePort());
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...runtime.env,
      PORT: port,
      TOGAI_MOCK_STATE_FILE: 'data/state.json',
      TOGAI_MOCK_FALLBACK_SPEC: join(mounted, 'togai-extra.yaml'),
      TOGAI_MOCK_LOG_LEVEL: 'warn',
    };
    const [command, ...args] = runtime.cmd!;
    const child = start(command!, args, {
      cwd: app,
      env,
      ...(canSwitchUser ? { uid: NODE_UID, gid: NODE_UID } : {}),
    });
    try {
      const url = await urlOf(child);
      expect(url).toBe(`http://0.0.0.0:${port}`);
      const local = `http://127.0.0.1:${port}`;

      const [hcCommand, ...hcArgs] = runtime.healthcheck!.command;
      const health = start(hcCommand!, hcArgs, { cwd: app, env, ...(canSwitchUser ? { uid: NODE_UID, gid: NODE_UID } : {}) });
      expect(await health.exited).toBe(0);

      const grant = await fetch(`${local}/credits`, {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify({ creditRequests: [{ accountId: 'ACC-IMG', purpose: 'P', effectiveFrom: '2024-01-01', priority: 1, creditAmount: 4 }] }),
      });
      expect(grant.status).toBe(200);
      // prism-http is a production dependency: the fallback works in the slim image.
      expect((await fetch(`${local}/accounts/ACC001`, { headers: { authorization: 'Bearer t' } })).status).toBe(200);
      expect((await fetch(`${local}/_mock/ui/`)).status).toBe(200);
    } finally {
      process.kill(child.proc.pid!, 'SIGTERM');
    }
    expect(await child.exited).toBe(0);
    // Written by the unprivileged user into the image's one writable directory.
    // (The state file's log: the change is a logged command; the snapshot beside it comes with compaction.)
    const entries = readFileSync(join(app, 'data/state.json.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; commands: unknown[] });
    expect(entries[0]!.seq).toBe(1);
    expect(JSON.stringify(entries)).toContain('ACC-IMG');
  });

  it('a failing HEALTHCHECK exits non-zero when nothing listens', async () => {
    const app = join(runtime.root, runtime.workdir);
    const [hcCommand, ...hcArgs] = runtime.healthcheck!.command;
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...runtime.env, PORT: String(await freePort()) };
    expect(await start(hcCommand!, hcArgs, { cwd: app, env }).exited).not.toBe(0);
  });
});
