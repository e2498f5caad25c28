// The image itself, run by a real Docker engine: who it runs as, what it
// holds, its command line, its logs, its health check, how it stops, and
// what it says about a data directory it cannot write.

import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerOk, image, skipReason, startContainer, type Container } from './support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe.skipIf(skipReason !== '')('the togai-mock image', () => {
  let mock: Container;
  const auth = { authorization: 'Bearer t', 'content-type': 'application/json' };

  beforeAll(async () => {
    // The fallback spec is mounted read-only, as a user would mount Togai's full spec.
    mock = await startContainer([
      '-v',
      `${join(ROOT, 'test/fixtures/togai-extra.yaml')}:/specs/togai-extra.yaml:ro`,
      '-e',
      'TOGAI_MOCK_FALLBACK_SPEC=/specs/togai-extra.yaml',
    ]);
  });

  it('becomes healthy and serves the Togai API, the fallback spec and the dashboard', async () => {
    const grant = await fetch(`${mock.url}/credits`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        creditRequests: [
          { accountId: 'ACC-IMG', purpose: 'P', effectiveFrom: '2024-01-01', priority: 1, creditAmount: 4 },
        ],
      }),
    });
    expect(grant.status).toBe(200);
    // prism-http is a production dependency: the fallback works in the image.
    expect((await fetch(`${mock.url}/price_plans/PP001`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${mock.url}/_mock/ui/`)).status).toBe(200);
    expect((await fetch(`${mock.url}/_mock/docs/`)).status).toBe(200);
  });

  it('runs as uid and gid 1000, the server included', async () => {
    expect((await dockerOk(['inspect', '-f', '{{.Config.User}}', image()])).trim()).toBe('1000:1000');
    expect((await dockerOk(['exec', mock.id, 'id', '-u'])).trim()).toBe('1000');
    expect((await dockerOk(['exec', mock.id, 'id', '-g'])).trim()).toBe('1000');
    // PID 1 is the server itself (the entrypoint execs it), so docker stop's SIGTERM reaches it.
    const cmdline = await dockerOk(['exec', mock.id, 'cat', '/proc/1/cmdline']);
    expect(cmdline.split('\0').filter(Boolean)).toEqual(['node', '/app/dist/cli.js']);
    const status = await dockerOk(['exec', mock.id, 'cat', '/proc/1/status']);
    expect(status).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
  });

  it('its HEALTHCHECK fails when nothing answers on the port it probes', async () => {
    const check = JSON.parse(await dockerOk(['inspect', '-f', '{{json .Config.Healthcheck}}', image()])) as {
      Test: string[];
    };
    expect(check.Test[0]).toBe('CMD');
    const probe = check.Test.slice(1);
    expect(probe[0]).toBe('node');
    expect((await docker(['exec', mock.id, ...probe])).code).toBe(0);
    expect((await docker(['exec', '-e', 'TOGAI_MOCK_PORT=1', mock.id, ...probe])).code).not.toBe(0);
  });

  it('docker stop: exits 0 on SIGTERM by itself, and every line on stdout is JSON', async () => {
    // Some traffic first: successful, failing and unknown requests are all logged.
    await fetch(`${mock.url}/credits?account_id=ACC-IMG`, { headers: auth });
    await fetch(`${mock.url}/credits`, { method: 'POST', headers: auth, body: '{"creditRequests": [{}]}' });
    await fetch(`${mock.url}/nowhere`, { headers: auth });
    // A long grace period: exit code 0 (not 137) shows it stopped itself rather than being killed.
    expect(await mock.stop(60)).toBe(0);
    const { stdout, stderr } = await mock.logs();
    const lines = stdout.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toContain('request');
    // The last two lines, once each, in either order: `docker logs` once gave these two,
    // written within the same millisecond, swapped under load.
    expect([...messages.slice(-2)].sort(), lines.slice(-4).join('\n')).toEqual(['shutting down', 'stopped']);
    expect(messages.filter((m) => m === 'stopped')).toHaveLength(1);
    // The one line for people is on stderr.
    expect(stderr).toContain('togai-mock listening on http://0.0.0.0:4010');
  });
});

describe.skipIf(skipReason !== '')('its command line', () => {
  it('docker run IMAGE --help and --version', async () => {
    const help = await docker(['run', '--rm', image(), '--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^togai-mock \d+\.\d+\.\d+: a stateful fake/);
    expect(help.stdout).toContain('togai-mock verify [options]');
    const version = await docker(['run', '--rm', image(), '--version']);
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('docker run IMAGE verify --help and check-pacts reach the subcommands', async () => {
    const verify = await docker(['run', '--rm', image(), 'verify', '--help']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('Usage: togai-mock verify');
    // check-pacts of the committed contracts, mounted into the container.
    const check = await docker([
      'run',
      '--rm',
      '-v',
      `${join(ROOT, 'contracts/pacts')}:/pacts:ro`,
      image(),
      'check-pacts',
      '/pacts',
    ]);
    expect(check.code, check.stderr + check.stdout).toBe(0);
  });

  it('a bad option exits 2 with one line on stderr', async () => {
    const bad = await docker(['run', '--rm', image(), '--nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('togai-mock: unknown option --nope (see togai-mock --help)');
  });
});

describe.skipIf(skipReason !== '')('what the image holds', () => {
  it('production dependencies only, as package-lock.json lists them', async () => {
    // Every package directory under /app/node_modules, as lockfile paths.
    const lister = `
      const { readdirSync, existsSync } = require('node:fs');
      const out = [];
      const walk = (dir) => {
        if (!existsSync(dir)) return;
        for (const name of readdirSync(dir)) {
          if (name.startsWith('.')) continue;
          const names = name.startsWith('@') ? readdirSync(dir + '/' + name).map((n) => name + '/' + n) : [name];
          for (const n of names) {
            const path = dir + '/' + n;
            if (!existsSync(path + '/package.json')) continue;
            out.push(path);
            walk(path + '/node_modules');
          }
        }
      };
      walk('node_modules');
      console.log(JSON.stringify(out));`;
    const installed = JSON.parse(
      await dockerOk(['run', '--rm', '--entrypoint', 'node', image(), '-e', lister]),
    ) as string[];
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }>;
    };
    const entries = Object.entries(lock.packages).filter(([path]) => path !== '');
    const production = new Set(entries.filter(([, m]) => !m.dev).map(([p]) => p));
    const required = entries.filter(([, m]) => !m.dev && !m.optional && !m.devOptional).map(([p]) => p);
    expect(installed.filter((p) => !production.has(p))).toEqual([]);
    expect(required.filter((p) => !installed.includes(p))).toEqual([]);
    for (const name of ['typescript', 'vitest', 'tsx', 'testcontainers', '@stoplight/prism-cli', 'playwright-core']) {
      expect(installed, name).not.toContain(`node_modules/${name}`);
    }
    expect(installed).toContain('node_modules/express');
    // Pact ships in the image: `togai-mock verify` runs there.
    expect(installed).toContain('node_modules/@pact-foundation/pact');
  });

  it('no sources, no npm cache, no CA secret, no lockfile: only what runs', async () => {
    // As root inside, so that nothing is hidden by permissions.
    const listing = await dockerOk([
      'run',
      '--rm',
      '--user',
      '0',
      '--entrypoint',
      'sh',
      image(),
      '-c',
      'ls -A /app; echo ---; ls -A /root/.npm /run/secrets 2>&1; echo ---; find /app/node_modules -name "*.map" -o -name "*.d.ts" | wc -l',
    ]);
    const [app, hidden, trimmed] = listing.split('---\n');
    expect(app!.split('\n').filter(Boolean).sort()).toEqual([
      'LICENSE',
      'data',
      'dist',
      'node_modules',
      'package.json',
      'spec',
      'src',
    ]);
    expect(hidden).toMatch(/'\/root\/\.npm': No such file or directory/);
    expect(hidden).toMatch(/'\/run\/secrets': No such file or directory/);
    expect(trimmed!.trim()).toBe('0');
    const env = await dockerOk(['inspect', '-f', '{{json .Config.Env}}', image()]);
    expect(env).not.toContain('NODE_EXTRA_CA_CERTS');
    expect((await dockerOk(['run', '--rm', '--entrypoint', 'find', image(), '/app/src', '-name', '*.ts'])).trim()).toBe(
      '',
    );
  });
});

describe.skipIf(skipReason !== '')('a data directory uid 1000 cannot write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'togai-mock-rootdir-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const hostUid = process.getuid?.() ?? -1;
  if (hostUid === 1000)
    console.warn(
      'SKIPPED: the unwritable bind mount case: this user is uid 1000, so its directories are writable in the container',
    );

  it.skipIf(hostUid === 1000)('stops at start with a message saying how to fix it (no bare EACCES)', async () => {
    chmodSync(dir, 0o755);
    const result = await docker(
      ['run', '--rm', '-v', `${dir}:/app/data`, '-e', 'TOGAI_MOCK_STATE_FILE=/app/data/state.json', image()],
      {
        timeoutMs: 60_000,
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `togai-mock: cannot write the state file /app/data/state.json: /app/data belongs to uid ${hostUid} and this container runs as uid 1000.`,
    );
    expect(result.stderr).toContain('docker run --user "$(id -u):$(id -g)"');
    expect(result.stderr).not.toContain('EACCES');
    expect(result.stdout).toBe('');
  });

  it.skipIf(hostUid === 1000)('--help still works with such a state file configured', async () => {
    const result = await docker([
      'run',
      '--rm',
      '-v',
      `${dir}:/app/data`,
      '-e',
      'TOGAI_MOCK_STATE_FILE=/app/data/state.json',
      image(),
      '--help',
    ]);
    expect(result.code).toBe(0);
  });
});
