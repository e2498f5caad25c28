// The npm package as a user gets it: `npm pack`, install the tarball into an
// empty project (offline from the npm cache when it can), then run
// `npx togai-mock --port 0` and import the library from it. Also checks the
// tarball ships only what it needs.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROOT, cleanEnv, runToEnd, start, urlOf } from './process.js';

// Child processes (npm, npx, the server) take seconds each on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

const tmp = mkdtempSync(join(tmpdir(), 'togai-mock-pack-'));
const project = join(tmp, 'consumer');
let files: string[] = [];
let tarball = '';

/** npm run from inside `npm test` inherits npm_* settings of the outer run; start clean. */
function npmEnv(): NodeJS.ProcessEnv {
  const env = cleanEnv({ npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' });
  for (const key of Object.keys(env)) if (key.startsWith('npm_') && !key.startsWith('npm_config_')) delete env[key];
  delete env.npm_config_prefix;
  delete env.npm_config_local_prefix;
  return env;
}

/** Outputs of sources that no longer exist, left in dist/ by an earlier build: the build must remove them. */
const STALE = ['dist/removed-module.js', 'dist/removed-folder/old.d.ts'];

beforeAll(async () => {
  for (const file of STALE) {
    mkdirSync(join(ROOT, file, '..'), { recursive: true });
    writeFileSync(join(ROOT, file), 'export const stale = true;\n');
    utimesSync(join(ROOT, file), new Date('2020-01-01'), new Date('2020-01-01'));
  }
  // `npm pack` runs the package's `prepare` (the build), as publishing would.
  const packed = await runToEnd('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: ROOT, env: npmEnv() });
  expect(packed.code, packed.stderr).toBe(0);
  const json = packed.stdout.slice(packed.stdout.indexOf('['));
  const info = (JSON.parse(json) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
  files = info.files.map((f) => f.path);
  tarball = join(tmp, info.filename);

  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
  );
  const install = (mode: string) =>
    runToEnd('npm', ['install', mode, '--no-audit', '--no-fund', '--no-save', tarball], {
      cwd: project,
      env: npmEnv(),
    });
  let installed = await install('--offline');
  if (installed.code !== 0) {
    console.warn(
      `offline install failed (a dependency is not in the npm cache); retrying from the registry:\n${installed.stderr}`,
    );
    installed = await install('--prefer-offline');
  }
  expect(installed.code, installed.stderr).toBe(0);
}, 300_000);

// Hundreds of MB of node_modules: removed without blocking, with time to spare on a busy machine.
afterAll(() => rm(tmp, { recursive: true, force: true }), 300_000);

/** Type-checks `dir`/consumer.ts with strict settings against the installed package; fails with tsc's output. */
async function typecheckConsumer(dir: string): Promise<void> {
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        typeRoots: [join(ROOT, 'node_modules/@types')],
        types: ['node'],
      },
      files: ['consumer.ts'],
    }),
  );
  const tsc = await runToEnd(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], {
    cwd: dir,
    env: npmEnv(),
  });
  expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
}

describe('the packed tarball', () => {
  it('ships the build, the specs, the UI assets, README, the docs it links to and LICENSE', () => {
    for (const f of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/cli.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/server.js',
      'dist/testcontainers.js',
      'dist/testcontainers.d.ts',
    ]) {
      expect(files).toContain(f);
    }
    expect(files).toContain('spec/togai-credits.yaml');
    expect(files).toContain('spec/togai-accounts.yaml');
    expect(files).toContain('spec/togai-mock-control.yaml');
    expect(files.some((f) => f.startsWith('src/ui/static/'))).toBe(true);
    // README's links into docs/ and SECURITY.md work in the installed package (and on npm's page).
    for (const f of ['docs/control-api.md', 'docs/replicas.md', 'docs/differences.md', 'SECURITY.md'])
      expect(files).toContain(f);
  });

  it('ships nothing an earlier build left in dist/: the build removed it', () => {
    for (const file of STALE) {
      expect(files).not.toContain(file);
      expect(existsSync(join(ROOT, file)), file).toBe(false);
    }
    expect(existsSync(join(ROOT, 'dist/removed-folder'))).toBe(false);
    expect(files.filter((f) => f.startsWith('dist/.'))).toEqual([]);
  });

  it('ships no tests, TypeScript sources, source maps or tooling', () => {
    const unwanted = files.filter(
      (f) =>
        f.startsWith('test/') ||
        f.startsWith('dist/test/') ||
        /\.test\.[jt]s$/.test(f) ||
        f.endsWith('.map') ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')) ||
        f.startsWith('bench/') ||
        f.startsWith('.ci/') ||
        f.startsWith('node_modules/') ||
        /^tsconfig.*\.json$/.test(f) ||
        f === 'vitest.config.ts' ||
        f === 'Dockerfile',
    );
    expect(unwanted).toEqual([]);
  });

  it('declares an ESM entry with types and a bin', () => {
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules/togai-mock/package.json'), 'utf8')) as Record<
      string,
      any
    >;
    expect(pkg.type).toBe('module');
    expect(pkg.bin['togai-mock']).toBe('dist/cli.js');
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(pkg.exports['./testcontainers']).toEqual({
      types: './dist/testcontainers.d.ts',
      import: './dist/testcontainers.js',
    });
    // Only the Testcontainers entry needs it, so it is an optional peer, not a dependency.
    expect(pkg.dependencies.testcontainers).toBeUndefined();
    expect(pkg.peerDependenciesMeta.testcontainers).toEqual({ optional: true });
    expect(
      readFileSync(join(project, 'node_modules/togai-mock/dist/cli.js'), 'utf8').startsWith('#!/usr/bin/env node'),
    ).toBe(true);
  });
});

describe('installed into an empty project', () => {
  it('`npx togai-mock --port 0` prints its URL and serves the Togai API', async () => {
    // Detached: npx runs the bin in a child of its own; the group is stopped together below.
    const child = start('npx', ['--offline', 'togai-mock', '--port', '0', '--log-level', 'warn'], {
      cwd: project,
      env: npmEnv(),
      detached: true,
    });
    try {
      const url = await urlOf(child);
      expect(await (await fetch(`${url}/_mock/health`)).json()).toMatchObject({ status: 'ok', backend: 'memory' });
      const grant = await fetch(`${url}/credits`, {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify({
          creditRequests: [
            { accountId: 'ACC-PACK', purpose: 'P', effectiveFrom: '2024-01-01', priority: 1, creditAmount: 9 },
          ],
        }),
      });
      expect(grant.status).toBe(200);
      const balance = await fetch(`${url}/accounts/ACC-PACK/credit_balance`, {
        headers: { authorization: 'Bearer t' },
      });
      expect(balance.status).toBe(200);
    } finally {
      process.kill(-child.proc.pid!, 'SIGTERM');
    }
    // npx itself may end by the signal it was sent; the server under it stops cleanly (exit 0 is tested in
    // cli.test.ts).
    expect([0, 'SIGTERM']).toContain(await child.exited);
  });

  it('uses what the build prepared from its specs: pre-parsed JSON and generated request validators, both fresh', async () => {
    for (const spec of ['togai-credits', 'togai-accounts', 'togai-mock-control']) {
      expect(files).toEqual(
        expect.arrayContaining([
          `dist/spec/${spec}.json`,
          ...['coercing', 'strict', 'components'].map((kind) => `dist/spec/${spec}.${kind}.validators.cjs`),
        ]),
      );
    }
    // The package exports no deep paths, so the installed modules are imported by their files.
    const script = [
      "const dir = new URL('./node_modules/togai-mock/dist/spec/', 'file://' + process.cwd() + '/');",
      "const load = await import(new URL('load.js', dir).href);",
      "const { precompiledValidators } = await import(new URL('precompiled.js', dir).href);",
      'const files = [load.CREDITS_SPEC_FILE, load.ACCOUNTS_SPEC_FILE, load.CONTROL_SPEC_FILE];',
      'const parsed = files.map((f) => load.readSpec(f).from);',
      "const generated = files.flatMap((f) => ['coercing', 'strict', 'components'].map((kind) => precompiledValidators(f).get(kind) !== undefined));",
      'console.log(JSON.stringify({ parsed, generated }));',
    ].join('\n');
    const run = await runToEnd(process.execPath, ['--input-type=module', '-e', script], {
      cwd: project,
      env: npmEnv(),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ parsed: ['json', 'json', 'json'], generated: Array(9).fill(true) });
  });

  it('`npx togai-mock --version` and a bad flag behave as documented', async () => {
    const version = await runToEnd('npx', ['--offline', 'togai-mock', '--version'], { cwd: project, env: npmEnv() });
    expect(version.stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
    const bad = await runToEnd('npx', ['--offline', 'togai-mock', '--nope'], { cwd: project, env: npmEnv() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown option --nope/);
  });

  it('its type declarations type-check a consumer written in strict TypeScript', async () => {
    const dir = join(project, 'typed');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'consumer.ts'),
      [
        "import { startTogaiMock, TogaiMockError, type TogaiMock, type SeedResult, type Credit, type ClockState } from 'togai-mock';",
        "const mock: TogaiMock = await startTogaiMock({ port: 0, tokens: ['k'], isolateTenants: true });",
        'const seeded: SeedResult = await mock.seed({ seed: 1, accounts: 1 });',
        'const accountId: string = seeded.accounts[0]!.accountId;',
        'const state: ClockState = await mock.forTenant(accountId).clock.advance(60);',
        'const frozen: boolean = state.frozen;',
        "const statuses: Array<number> = (await mock.requests({ operationId: 'listCredits', limit: 5 })).map((r) => r.status);",
        "const credit: Partial<Credit> = { accountId, status: 'ACTIVE' };",
        'const err: unknown = new TogaiMockError("x", 400);',
        '// @ts-expect-error not an option',
        'await startTogaiMock({ prot: 1 });',
        'console.log(frozen, statuses, credit, err);',
        'await mock.close();',
      ].join('\n'),
    );
    // A module (for top-level await) in a project whose package.json says "type": "module".
    await typecheckConsumer(dir);
  });

  it("the library imports as ESM from the package's name", async () => {
    const script = [
      "import { startTogaiMock } from 'togai-mock';",
      'const mock = await startTogaiMock();',
      "await mock.clock.set('2024-06-01T00:00:00Z');",
      'const seeded = await mock.seed({ seed: 7, accounts: 1, creditsPerAccount: 2 });',
      "const r = await fetch(mock.url + '/credits', { headers: { authorization: 'Bearer t' } });",
      'const body = await r.json();',
      'console.log(JSON.stringify({ status: r.status, credits: body.data.length, seeded: seeded.credits.length }));',
      'await mock.close();',
    ].join('\n');
    const run = await runToEnd(process.execPath, ['--input-type=module', '-e', script], {
      cwd: project,
      env: npmEnv(),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ status: 200, credits: 2, seeded: 2 });
  });
});

describe('togai-mock/testcontainers, installed', () => {
  const testcontainers = `testcontainers@${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.testcontainers}`;
  const importIt = [
    "const { TogaiMockContainer, TogaiMockError } = await import('togai-mock/testcontainers');",
    "const { GenericContainer } = await import('testcontainers');",
    "const c = new TogaiMockContainer('registry.example/togai-mock:1').withTokens('a', 'b').withSeed(3).withStateFile();",
    'console.log(JSON.stringify({ generic: c instanceof GenericContainer, error: new TogaiMockError("x", 400).status }));',
  ].join('\n');

  it('a plain install does not get testcontainers, and the entry says what is missing', async () => {
    expect(existsSync(join(project, 'node_modules/testcontainers'))).toBe(false);
    const run = await runToEnd(process.execPath, ['--input-type=module', '-e', importIt], {
      cwd: project,
      env: npmEnv(),
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/Cannot find package 'testcontainers'/);
  });

  it('with testcontainers installed: its types check and it imports as ESM', async () => {
    // Both at once: a --no-save install of one alone would drop the other.
    const install = (mode: string) =>
      runToEnd('npm', ['install', mode, '--no-audit', '--no-fund', '--no-save', tarball, testcontainers], {
        cwd: project,
        env: npmEnv(),
      });
    let installed = await install('--offline');
    if (installed.code !== 0) installed = await install('--prefer-offline');
    expect(installed.code, installed.stderr).toBe(0);

    const dir = join(project, 'typed-tc');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'consumer.ts'),
      [
        "import { TogaiMockContainer, TogaiMockError, type StartedTogaiMockContainer, type SeedResult, type ClockState } from 'togai-mock/testcontainers';",
        "const container: TogaiMockContainer = new TogaiMockContainer('togai-mock').withTokens('k').withAdminToken('adm').withSeed(1, { accounts: 2 }).withStateFile().withRedis('redis://r:6379');",
        'export async function use(start: () => Promise<StartedTogaiMockContainer>): Promise<void> {',
        '  const togai = await start();',
        '  const url: string = togai.getBaseUrl();',
        '  await togai.reset();',
        '  const seeded: SeedResult = await togai.seed({ seed: 1 });',
        '  const now: ClockState = await togai.clock.advance(60);',
        "  const statuses: number[] = (await togai.forTenant('k').requests({ limit: 5 })).map((r) => r.status);",
        '  await togai.stop();',
        '  console.log(url, seeded.accounts.length, now.frozen, statuses, new TogaiMockError("x", 400));',
        '}',
        'void use(() => container.start());',
        '// @ts-expect-error tokens are strings',
        'container.withTokens(1);',
      ].join('\n'),
    );
    await typecheckConsumer(dir);

    const run = await runToEnd(process.execPath, ['--input-type=module', '-e', importIt], {
      cwd: project,
      env: npmEnv(),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ generic: true, error: 400 });
  }, 360_000);
});
