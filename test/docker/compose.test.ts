// docker-compose.example.yml, run as written with Debian's docker-compose
// (1.29) against the image built for this run: the consumer starts only once
// the mock is healthy, reaches it by its service name, and the mock's port is
// published on 127.0.0.1 only.

import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dockerEnv, run } from './engine.js';
import { dockerOk, image, runId, skipReason } from './support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const compose = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((p) => existsSync(p));
if (!skipReason && !compose) console.warn('SKIPPED: the compose example: no docker-compose here (apt-get install docker-compose)');

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

describe.skipIf(skipReason !== '' || !compose)('docker-compose.example.yml', () => {
  const project = `togaimocktest${runId.replace(/[^a-z0-9]/g, '')}`;
  let env: NodeJS.ProcessEnv;
  const dc = (args: string[]) =>
    run(compose!, ['-p', project, '-f', join(ROOT, 'docker-compose.example.yml'), ...args], { env, cwd: ROOT, timeoutMs: 240_000 });
  afterAll(async () => {
    if (env) await dc(['down', '-v', '--remove-orphans']);
  });

  it('the consumer waits for a healthy mock, then calls it by its service name', async () => {
    const port = await freePort();
    // The consumer stands for the user's service: any image with node in it.
    env = dockerEnv({ TOGAI_MOCK_IMAGE: image(), CONSUMER_IMAGE: inject('dockerBaseImage'), TOGAI_MOCK_HOST_PORT: String(port) });
    const up = await dc(['up', '--no-build', '--exit-code-from', 'consumer']);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    // Without the colours compose gives its prefixes.
    const output = up.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(output).toMatch(/consumer_1 +\| 200 \{"data":\[\{/);

    const ids = Object.fromEntries(
      await Promise.all(['togai', 'consumer'].map(async (s) => [s, (await dc(['ps', '-q', s])).stdout.trim()] as const)),
    );
    const togai = JSON.parse(await dockerOk(['inspect', ids.togai!])) as Array<{
      HostConfig: { PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> };
      State: { Health: { Log: Array<{ Start: string; ExitCode: number }> } };
    }>;
    expect(togai[0]!.HostConfig.PortBindings['4010/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    // service_healthy: a health probe had passed before the consumer was started.
    const consumerStarted = Date.parse((await dockerOk(['inspect', '-f', '{{.State.StartedAt}}', ids.consumer!])).trim());
    const passed = togai[0]!.State.Health.Log.filter((l) => l.ExitCode === 0).map((l) => Date.parse(l.Start));
    expect(passed.some((at) => at < consumerStarted), JSON.stringify(togai[0]!.State.Health.Log)).toBe(true);
  });
});
