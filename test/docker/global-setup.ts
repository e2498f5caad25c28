// Builds the togai-mock image once for every test file of the `docker` project
// (vitest runs this only when one of them is selected), hands its name to the
// tests, and afterwards removes the image and every container, volume and
// network the tests labelled. The base image (TOGAI_MOCK_DOCKER_BASE) stays.
//
// Where no engine answers, the tests skip with the reason; an image that does
// not build makes them fail with the build's output.

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { dockerEnv, findEngine, run } from './engine.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why the Docker tests cannot run here; empty when they can. */
    dockerSkip: string;
    /** The build's output when the image did not build; empty when it did. */
    dockerBuildError: string;
    dockerClient: string;
    /** The image built for this run. */
    togaiMockImage: string;
    /** The NODE_IMAGE it was built on (also has node and npm, e.g. for a consumer container). */
    dockerBaseImage: string;
    /** Label value on everything the tests create: `togai-mock-test=<runId>`. */
    dockerRunId: string;
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What scripts/docker-base.sh makes when TOGAI_MOCK_DOCKER_BASE does not say otherwise. */
const LOCAL_BASE = 'togai-mock-base/node:24';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${process.pid}-${Date.now().toString(36)}`;
  const image = `togai-mock-test:${runId}`;
  const provide = (skip: string, buildError: string, client: string, base: string): void => {
    project.provide('dockerSkip', skip);
    project.provide('dockerBuildError', buildError);
    project.provide('dockerClient', client);
    project.provide('togaiMockImage', image);
    project.provide('dockerBaseImage', base);
    project.provide('dockerRunId', runId);
  };

  const found = await findEngine();
  if ('reason' in found) {
    provide(`no usable Docker engine: ${found.reason}`, '', '', '');
    return async () => {};
  }
  const docker = found.engine.client;

  let base = process.env.TOGAI_MOCK_DOCKER_BASE ?? '';
  if (base === '' && (await run(docker, ['image', 'inspect', LOCAL_BASE])).code === 0) base = LOCAL_BASE;
  const args = ['build', '-t', image, '--label', `togai-mock-test=${runId}`];
  if (base !== '') args.push('--build-arg', `NODE_IMAGE=${base}`);
  // The CA bundle npm needs to reach the registry from here, as the optional npm_ca secret.
  const ca = process.env.TOGAI_MOCK_DOCKER_NPM_CA ?? process.env.NODE_EXTRA_CA_CERTS;
  if (ca && existsSync(ca)) args.push('--secret', `id=npm_ca,src=${ca}`);
  args.push(ROOT);

  const started = Date.now();
  const built = await run(docker, args, { env: dockerEnv({ BUILDKIT_PROGRESS: 'plain' }), timeoutMs: 30 * 60_000 });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  let buildError = '';
  if (built.code !== 0) {
    const log = join(mkdtempSync(join(tmpdir(), 'togai-mock-build-')), 'build.log');
    writeFileSync(log, built.stderr + built.stdout);
    const hint =
      base === '' ? ` (built on node:24-slim; where Docker Hub is out of reach run scripts/docker-base.sh first)` : '';
    buildError = `docker ${args.join(' ')} exited ${built.code}${hint}; full log in ${log}:\n${built.stderr.split('\n').slice(-40).join('\n')}`;
  } else {
    const size = (await run(docker, ['image', 'inspect', '-f', '{{.Size}}', image])).stdout.trim();
    console.info(
      `docker: built ${image} on ${base || 'node:24-slim'} in ${seconds} s (${(Number(size) / 1e6).toFixed(0)} MB) with ${docker} ${found.engine.clientVersion}, engine ${found.engine.serverVersion}`,
    );
  }
  provide('', buildError, docker, base || 'node:24-slim');

  return async () => {
    const label = `label=togai-mock-test=${runId}`;
    const ids = async (kind: string[]): Promise<string[]> =>
      (await run(docker, [...kind, '-q', '--filter', label])).stdout.split('\n').filter(Boolean);
    const containers = await ids(['ps', '-a']);
    if (containers.length > 0) await run(docker, ['rm', '-f', '-v', ...containers]);
    const volumes = await ids(['volume', 'ls']);
    if (volumes.length > 0) await run(docker, ['volume', 'rm', '-f', ...volumes]);
    const networks = await ids(['network', 'ls']);
    if (networks.length > 0) await run(docker, ['network', 'rm', ...networks]);
    await run(docker, ['rmi', '-f', image]);
  };
}
