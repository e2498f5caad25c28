// docker-compose.example.yml, run as written with Debian's docker-compose
// (1.29) against the image built for this run. By default: the consumer
// starts only once the mock is healthy, reaches it by its service name, and
// the mock's port is published on 127.0.0.1 only. The `replicas` profile:
// two replicas on one Redis act as one mock over HTTP from this machine, and
// a Redis killed and started again has lost nothing they answered.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dockerEnv, run } from './engine.js';
import { redisImage, type RedisImage } from './redis-image.js';
import { docker, dockerOk, image, runId, skipReason, waitHealthy } from './support.js';
import { freePort } from '../helpers/ports.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FILE = join(ROOT, 'docker-compose.example.yml');
const compose = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((p) => existsSync(p));
if (!skipReason && !compose)
  console.warn('SKIPPED: the compose example: no docker-compose here (apt-get install docker-compose)');

// Built (or named) before the tests are collected, so that a missing one skips them.
const redis: RedisImage = skipReason || !compose ? { reason: 'no engine or no docker-compose' } : await redisImage();
if (!skipReason && compose && 'reason' in redis)
  console.warn(`SKIPPED: the compose example's replicas profile: ${redis.reason}`);

/** docker-compose on the example file, as project `project`, with `env` as its environment. */
function composer(project: string, global: string[] = []) {
  let env: NodeJS.ProcessEnv | undefined;
  return {
    project,
    setEnv: (extra: NodeJS.ProcessEnv) => (env = dockerEnv(extra)),
    started: () => env !== undefined,
    run: (args: string[]) =>
      run(compose!, ['-p', project, '-f', FILE, ...global, ...args], { env, cwd: ROOT, timeoutMs: 240_000 }),
  };
}

interface PortBindings {
  HostConfig: { PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> | null };
}

describe.skipIf(skipReason !== '' || !compose)('docker-compose.example.yml', () => {
  const dc = composer(`togaimocktest${runId.replace(/[^a-z0-9]/g, '')}`);
  afterAll(async () => {
    if (dc.started()) await dc.run(['down', '-v', '--remove-orphans']);
  });

  it('the consumer waits for a healthy mock, then calls it by its service name', async () => {
    const port = await freePort();
    // The consumer stands for the user's service: any image with node in it.
    dc.setEnv({
      TOGAI_MOCK_IMAGE: image(),
      CONSUMER_IMAGE: inject('dockerBaseImage'),
      TOGAI_MOCK_HOST_PORT: String(port),
    });
    const up = await dc.run(['up', '--no-build', '--exit-code-from', 'consumer']);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    // Without the colours compose gives its prefixes.
    // Terminal colour codes start with ESC.
    // eslint-disable-next-line no-control-regex
    const output = up.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(output).toMatch(/consumer_1 +\| 200 \{"data":\[\{/);
    // The replicas profile is not started by default.
    const services = await dockerOk([
      'ps',
      '-a',
      '--filter',
      `label=com.docker.compose.project=${dc.project}`,
      '--format',
      '{{.Label "com.docker.compose.service"}}',
    ]);
    expect(services.split('\n').filter(Boolean).sort()).toEqual(['consumer', 'togai']);

    const ids = Object.fromEntries(
      await Promise.all(
        ['togai', 'consumer'].map(async (s) => [s, (await dc.run(['ps', '-q', s])).stdout.trim()] as const),
      ),
    );
    const togai = JSON.parse(await dockerOk(['inspect', ids.togai!])) as Array<
      PortBindings & { State: { Health: { Log: Array<{ Start: string; ExitCode: number }> } } }
    >;
    expect(togai[0]!.HostConfig.PortBindings!['4010/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    // service_healthy: a health probe had passed before the consumer was started.
    const consumerStarted = Date.parse(
      (await dockerOk(['inspect', '-f', '{{.State.StartedAt}}', ids.consumer!])).trim(),
    );
    const passed = togai[0]!.State.Health.Log.filter((l) => l.ExitCode === 0).map((l) => Date.parse(l.Start));
    expect(
      passed.some((at) => at < consumerStarted),
      JSON.stringify(togai[0]!.State.Health.Log),
    ).toBe(true);
  });
});

/** A JSON call to a replica published on this machine. */
async function call(base: string, method: string, path: string, options: { body?: unknown; token?: string } = {}) {
  const response = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${options.token ?? 'test-api-key'}`,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  return { status: response.status, text, body: (text ? JSON.parse(text) : undefined) as any };
}

const grantBody = (accountId: string, creditAmount: number) => ({
  creditRequests: [
    {
      accountId,
      purpose: 'PREPAID_CREDIT',
      effectiveFrom: '2024-01-01',
      effectiveUntil: '2099-12-31',
      creditAmount,
      priority: 1,
    },
  ],
});

describe.skipIf(skipReason !== '' || !compose || 'reason' in redis)(
  'docker-compose.example.yml --profile replicas',
  () => {
    const dc = composer(`togaimockrepl${runId.replace(/[^a-z0-9]/g, '')}`, ['--profile', 'replicas']);
    const url: Record<'togai-1' | 'togai-2', string> = { 'togai-1': '', 'togai-2': '' };
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      const [port1, port2] = [await freePort(), await freePort()];
      dc.setEnv({
        TOGAI_MOCK_IMAGE: image(),
        TOGAI_MOCK_REDIS_IMAGE: (redis as { image: string }).image,
        TOGAI_MOCK_HOST_PORT_1: String(port1),
        TOGAI_MOCK_HOST_PORT_2: String(port2),
      });
      const up = await dc.run(['up', '-d', '--no-build', 'redis', 'togai-1', 'togai-2']);
      expect(up.code, up.stdout + up.stderr).toBe(0);
      for (const service of ['redis', 'togai-1', 'togai-2'])
        ids[service] = (await dc.run(['ps', '-q', service])).stdout.trim();
      // Healthy by the file's own check: the replica answers and reaches Redis.
      await Promise.all(['redis', 'togai-1', 'togai-2'].map((s) => waitHealthy(ids[s]!)));
      url['togai-1'] = `http://127.0.0.1:${port1}`;
      url['togai-2'] = `http://127.0.0.1:${port2}`;
    });
    afterAll(async () => {
      if (dc.started()) await dc.run(['down', '-v', '--remove-orphans']);
      if ('built' in redis && redis.built) await docker(['rmi', '-f', redis.image]);
    });

    const health = async (replica: 'togai-1' | 'togai-2') => call(url[replica], 'GET', '/_mock/health');

    it('publishes the replicas on 127.0.0.1 only, and Redis not at all', async () => {
      const inspected = JSON.parse(
        await dockerOk(['inspect', ids['redis']!, ids['togai-1']!, ids['togai-2']!]),
      ) as PortBindings[];
      expect(inspected[0]!.HostConfig.PortBindings ?? {}).toEqual({});
      for (const [i, replica] of [
        [1, 'togai-1'],
        [2, 'togai-2'],
      ] as const) {
        expect(inspected[i]!.HostConfig.PortBindings!['4010/tcp']).toEqual([
          { HostIp: '127.0.0.1', HostPort: new URL(url[replica]).port },
        ]);
      }
    });

    it('each replica says it is on Redis, connected, with the durable settings of the file', async () => {
      for (const replica of ['togai-1', 'togai-2'] as const) {
        const h = await health(replica);
        expect(h.status, h.text).toBe(200);
        expect(h.body).toMatchObject({
          status: 'ok',
          backend: 'redis',
          connected: true,
          redis: {
            url: 'redis://redis:6379/0',
            prefix: 'togai-mock:',
            appendonly: 'yes',
            appendfsync: 'always',
            durable: true,
          },
        });
        // The file gives each replica its service name as host name, which names it.
        expect(h.body.replica).toMatch(new RegExp(`^${replica}:`));
      }
    });

    it('a credit granted through togai-1 is read through togai-2, whose journal shows togai-1 answered the grant', async () => {
      const [h1, h2] = [await health('togai-1'), await health('togai-2')];
      const granted = await call(url['togai-1'], 'POST', '/credits', { body: grantBody('ACC-COMPOSE-1', 250) });
      expect(granted.status, granted.text).toBe(200);
      const credit = granted.body.credits[0];
      const read = await call(url['togai-2'], 'GET', `/credits/${credit.id}`);
      expect(read.status, read.text).toBe(200);
      expect(read.body).toMatchObject({
        id: credit.id,
        accountId: 'ACC-COMPOSE-1',
        status: 'ACTIVE',
        creditAmount: 250,
      });

      const journal = await call(url['togai-2'], 'GET', '/_mock/requests?limit=1000', { token: 'change-me' });
      expect(journal.status, journal.text).toBe(200);
      const grantEntry = journal.body.requests.find(
        (e: any) => e.operationId === 'createCredit' && e.responseBody?.credits?.[0]?.id === credit.id,
      );
      expect(grantEntry, journal.text).toMatchObject({
        method: 'POST',
        path: '/credits',
        status: 200,
        replica: h1.body.replica,
      });
      const readEntry = journal.body.requests.find(
        (e: any) => e.operationId === 'getCreditDetails' && e.path === `/credits/${credit.id}`,
      );
      expect(readEntry, journal.text).toMatchObject({ status: 200, replica: h2.body.replica });
    });

    it('Redis killed and started again: answers 503 meanwhile, then has every credit, and the replicas reconnect by themselves', async () => {
      const before = await call(url['togai-1'], 'POST', '/credits', { body: grantBody('ACC-COMPOSE-2', 75) });
      expect(before.status, before.text).toBe(200);
      const id = before.body.credits[0].id;

      // SIGKILL, as a crash: only what appendfsync always wrote is left.
      const killed = await dc.run(['kill', 'redis']);
      expect(killed.code, killed.stderr).toBe(0);
      const meanwhile = await call(url['togai-2'], 'GET', `/credits/${id}`);
      expect(meanwhile.status, meanwhile.text).toBe(503);
      expect(meanwhile.body.message).toMatch(/Redis/);

      const started = await dc.run(['start', 'redis']);
      expect(started.code, started.stderr).toBe(0);
      // No restart of the replicas: each reconnects on its own.
      for (const replica of ['togai-1', 'togai-2'] as const) {
        const deadline = Date.now() + 120_000;
        let h = await health(replica);
        while (!(h.body?.status === 'ok' && h.body.connected === true) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 500));
          h = await health(replica);
        }
        expect(h.body, `${replica} did not reconnect`).toMatchObject({ status: 'ok', connected: true });
      }
      const reads = [
        await call(url['togai-1'], 'GET', `/credits/${id}`),
        await call(url['togai-2'], 'GET', `/credits/${id}`),
      ];
      for (const read of reads) {
        expect(read.status, read.text).toBe(200);
        expect(read.body).toMatchObject(before.body.credits[0]);
        expect(read.body.transactions.map((t: any) => [t.transactionType, t.amount])).toEqual([['CREDITED', 75]]);
      }
      expect(reads[0]!.body).toEqual(reads[1]!.body);
      const after = await call(url['togai-2'], 'POST', '/credits', { body: grantBody('ACC-COMPOSE-2', 25) });
      expect(after.status, after.text).toBe(200);
      const balance = await call(url['togai-1'], 'GET', '/accounts/ACC-COMPOSE-2/credit_balance');
      expect(balance.status, balance.text).toBe(200);
      expect(balance.body.availableBalance).toBe(100);
    });

    it('down -v removes the replicas, Redis and its volume', async () => {
      const volume = (
        await dockerOk([
          'inspect',
          '-f',
          '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}',
          ids['redis']!,
        ])
      ).trim();
      expect(volume).toMatch(/togai-redis$/);
      const down = await dc.run(['down', '-v', '--remove-orphans']);
      expect(down.code, down.stdout + down.stderr).toBe(0);
      expect((await docker(['inspect', ids['togai-1']!, ids['togai-2']!, ids['redis']!])).code).not.toBe(0);
      expect((await docker(['volume', 'inspect', volume])).code).not.toBe(0);
    });
  },
);
