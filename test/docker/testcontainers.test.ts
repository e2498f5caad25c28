// togai-mock/testcontainers against the image built for this run, without
// Ryuk (TESTCONTAINERS_RYUK_DISABLED=true): every container started here is
// stopped here. The example in
// docs/testcontainers.md is testcontainers-example.ts, run as a vitest file
// of its own, as a user's test file would be.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GenericContainer, Network } from 'testcontainers';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { TogaiMockContainer, TogaiMockError, type StartedTogaiMockContainer } from 'togai-mock/testcontainers';
import { run } from './engine.js';
import { redisImage, type RedisImage } from './redis-image.js';
import { dockerOk, image, skipReason } from './support.js';

// This machine's engine runs in the tests' own environment (the suite reaches every container
// on 127.0.0.1). Testcontainers would see /.dockerenv, if there is one, and reach the engine
// through the bridge network's gateway instead, publishing ports on every interface.
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = join(ROOT, 'test/docker/testcontainers-example.ts');

// withRedis runs against a real Redis container: Debian's redis-server on the base image
// (Docker Hub may be out of reach), built once here unless TOGAI_MOCK_REDIS_IMAGE names one.
const redis: RedisImage = skipReason === '' ? await redisImage() : { reason: skipReason };
if ('reason' in redis && skipReason === '') console.warn(`SKIPPED: withRedis against a real Redis: ${redis.reason}`);

const running: StartedTogaiMockContainer[] = [];
afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
});
async function started(container: TogaiMockContainer): Promise<StartedTogaiMockContainer> {
  const c = await container.start();
  running.push(c);
  return c;
}

const grant = (url: string, token: string, accountId: string) =>
  fetch(`${url}/credits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      creditRequests: [{ accountId, purpose: 'P', effectiveFrom: '2024-01-01', priority: 1, creditAmount: 9 }],
    }),
  });

describe('docs/testcontainers.md', () => {
  it('its example is test/docker/testcontainers-example.ts', () => {
    const page = readFileSync(join(ROOT, 'docs/testcontainers.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)\n```/.exec(page);
    expect(block, 'a ```ts block in docs/testcontainers.md').not.toBeNull();
    expect(block![1]).toBe(readFileSync(EXAMPLE, 'utf8').replace(/\n+$/, ''));
  });

  it.skipIf(skipReason !== '')('the example passes as a vitest file of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'togai-mock-tc-example-'));
    try {
      // A config a user might have: the package name resolves to this repository's source.
      const config = join(dir, 'vitest.config.mjs');
      writeFileSync(
        config,
        `export default ${JSON.stringify({
          resolve: { alias: { 'togai-mock/testcontainers': join(ROOT, 'src/testcontainers.ts') } },
          test: { root: ROOT, include: ['test/docker/testcontainers-example.ts'], testTimeout: 60_000 },
        })};\n`,
      );
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && k !== 'NODE_OPTIONS') env[k] = v;
      const vitest = await run(
        process.execPath,
        [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config],
        {
          cwd: ROOT,
          env: { ...env, TOGAI_MOCK_IMAGE: image(), NO_COLOR: '1' },
          timeoutMs: 240_000,
        },
      );
      expect(vitest.code, vitest.stdout + vitest.stderr).toBe(0);
      expect(vitest.stdout).toMatch(/Tests +2 passed \(2\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(skipReason !== '')('TogaiMockContainer', () => {
  it('tokens, admin token and seed; published on 127.0.0.1; the control helpers', async () => {
    const togai = await started(
      new TogaiMockContainer(image())
        .withTokens('key-a', 'key-b')
        .withAdminToken('adm')
        .withSeed(7, { accounts: 3, creditsPerAccount: 2 }),
    );
    expect(togai.getBaseUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const bindings = JSON.parse(
      await dockerOk(['inspect', '-f', '{{json .HostConfig.PortBindings}}', togai.getId()]),
    ) as Record<string, Array<{ HostIp: string }>>;
    expect(bindings['4010/tcp']!.map((b) => b.HostIp)).toEqual(['127.0.0.1']);

    const url = togai.getBaseUrl();
    expect((await grant(url, 'key-c', 'ACC-TC')).status).toBe(401);
    expect((await grant(url, 'key-b', 'ACC-TC')).status).toBe(200);
    // The control API wants the admin token, which the helpers send.
    expect((await fetch(`${url}/_mock/accounts`)).status).toBe(401);
    const accounts = await fetch(`${url}/_mock/accounts`, { headers: { authorization: 'Bearer adm' } });
    expect(((await accounts.json()) as { total: number }).total).toBe(4); // 3 seeded + ACC-TC

    expect((await togai.requests({ operationId: 'createCredit' })).map((r) => r.status)).toEqual([401, 200]);
    const frozen = await togai.clock.set('2024-06-15T12:00:00Z');
    expect(frozen).toMatchObject({ now: '2024-06-15T12:00:00.000Z', frozen: true });
    expect((await togai.clock.advance(3600)).now).toBe('2024-06-15T13:00:00.000Z');
    const seeded = await togai.seed({ seed: 1, accounts: 1, creditsPerAccount: 1 });
    expect(seeded.credits).toHaveLength(1);
    await expect(togai.clock.set('not a time')).rejects.toBeInstanceOf(TogaiMockError);

    await togai.reset();
    const after = await fetch(`${url}/_mock/accounts`, { headers: { authorization: 'Bearer adm' } });
    expect(((await after.json()) as { total: number }).total).toBe(0);
  });

  it('withAllowedOrigins, withAllowedHosts: other pages and names get 403, listed ones are answered', async () => {
    const togai = await started(
      new TogaiMockContainer(image()).withAllowedOrigins('http://app.test:3000').withAllowedHosts('togai.test'),
    );
    const base = new URL(togai.getBaseUrl());
    // node:http, so Host and Origin go out exactly as written.
    const status = (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: base.hostname, port: base.port, path: '/_mock/requests', headers }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status({})).toBe(200);
    expect(await status({ Origin: 'http://app.test:3000' })).toBe(200);
    expect(await status({ Origin: 'http://evil.example' })).toBe(403);
    expect(await status({ Host: 'togai.test:4010' })).toBe(200);
    expect(await status({ Host: 'evil.example:4010' })).toBe(403);
  });

  it('forTenant: the helpers for one credential with isolated tenants', async () => {
    const togai = await started(
      new TogaiMockContainer(image()).withEnvironment({ TOGAI_MOCK_ISOLATE_TENANTS: 'true' }),
    );
    expect((await grant(togai.getBaseUrl(), 'job-1', 'ACC-1')).status).toBe(200);
    expect(await togai.forTenant('job-1').requests()).toHaveLength(1);
    expect(await togai.forTenant('job-2').requests()).toHaveLength(0);
  });

  it('withStateFile: starts from a snapshot file, and keeps state across restart()', async () => {
    const first = await started(new TogaiMockContainer(image()));
    expect((await grant(first.getBaseUrl(), 't', 'ACC-SNAP')).status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'togai-mock-tc-state-'));
    try {
      const snapshot = join(dir, 'snapshot.json');
      writeFileSync(snapshot, await (await fetch(`${first.getBaseUrl()}/_mock/state`)).text());

      const togai = await started(new TogaiMockContainer(image()).withStateFile(snapshot));
      const listed = async () =>
        (
          (await (await fetch(`${togai.getBaseUrl()}/credits`, { headers: { authorization: 'Bearer t' } })).json()) as {
            data: Array<{ accountId: string }>;
          }
        ).data.map((c) => c.accountId);
      expect(await listed()).toEqual(['ACC-SNAP']);
      expect((await grant(togai.getBaseUrl(), 't', 'ACC-LATER')).status).toBe(200);
      await togai.restart();
      expect((await listed()).sort()).toEqual(['ACC-LATER', 'ACC-SNAP']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!('image' in redis))('withRedis: two containers on one Redis act as one mock', async () => {
    const redisImageName = (redis as { image: string }).image;
    const network = await new Network().start();
    const stops: Array<() => Promise<unknown>> = [() => network.stop()];
    try {
      const redisContainer = await new GenericContainer(redisImageName)
        .withNetwork(network)
        .withNetworkAliases('redis')
        .withCommand(['redis-server', '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''])
        .start();
      stops.unshift(() => redisContainer.stop());
      const url = 'redis://redis:6379/0';
      const [a, b] = await Promise.all(
        [0, 1].map(() => new TogaiMockContainer(image()).withNetwork(network).withRedis(url).start()),
      );
      stops.unshift(
        () => a!.stop(),
        () => b!.stop(),
      );
      expect((await a!.exec(['printenv', 'TOGAI_MOCK_REDIS_URL'])).output.trim()).toBe(url);
      const health = (await (await fetch(`${b!.getBaseUrl()}/_mock/health`)).json()) as {
        backend: string;
        connected: boolean;
      };
      expect(health).toMatchObject({ backend: 'redis', connected: true });
      // Granted through one container, there on the next request to the other.
      const granted = await grant(a!.getBaseUrl(), 't', 'ACC-TC-REDIS');
      expect(granted.status).toBe(200);
      const id = ((await granted.json()) as { credits: Array<{ id: string }> }).credits[0]!.id;
      const details = await fetch(`${b!.getBaseUrl()}/credits/${id}`, { headers: { authorization: 'Bearer t' } });
      expect(details.status).toBe(200);
      expect(await details.json()).toMatchObject({ id, accountId: 'ACC-TC-REDIS', creditAmount: 9 });
    } finally {
      for (const stop of stops) await stop().catch(() => undefined);
      if ('built' in redis && redis.built) await run(inject('dockerClient'), ['rmi', '-f', redisImageName]);
    }
  });
});
