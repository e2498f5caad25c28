// The Redis image for the `replicas` profile of docker-compose.example.yml.
// The file asks for `redis:7` from Docker Hub, which a test machine may not
// reach; so unless TOGAI_MOCK_REDIS_IMAGE names one, an image with Debian's
// redis-server is built here (test/docker/redis/Dockerfile) on the base image
// the togai-mock image was built on. Where that fails too, the caller skips
// with the reason.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { dockerEnv, run } from './engine.js';
import { LABEL, runId } from './support.js';

const CONTEXT = fileURLToPath(new URL('./redis/', import.meta.url));

export type RedisImage = { image: string; built: boolean } | { reason: string };

/** The image to run Redis from, built for this run unless TOGAI_MOCK_REDIS_IMAGE is set. */
export async function redisImage(): Promise<RedisImage> {
  const given = process.env.TOGAI_MOCK_REDIS_IMAGE;
  if (given) return { image: given, built: false };
  const image = `togai-mock-test-redis:${runId}`;
  const base = inject('dockerBaseImage');
  const args = ['build', '-t', image, '--label', LABEL, '--build-arg', `BASE_IMAGE=${base}`, CONTEXT];
  const built = await run(inject('dockerClient'), args, {
    env: dockerEnv({ BUILDKIT_PROGRESS: 'plain' }),
    timeoutMs: 15 * 60_000,
  });
  if (built.code === 0) return { image, built: true };
  const log = join(mkdtempSync(join(tmpdir(), 'togai-mock-redis-build-')), 'build.log');
  writeFileSync(log, built.stderr + built.stdout);
  const last = built.stderr.trim().split('\n').slice(-5).join('\n');
  return {
    reason:
      `no Redis image: building one on ${base} (apt-get install redis-server) exited ${built.code}, full log in ${log}; ` +
      `set TOGAI_MOCK_REDIS_IMAGE to a Redis image this engine has or can pull.\n${last}`,
  };
}
