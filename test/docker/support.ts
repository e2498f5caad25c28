// What the Docker test files share: whether to skip (and saying why, loudly),
// the image built by global-setup.ts, and containers started from it with the
// port published on 127.0.0.1 only, waited for by the image's own health
// check, and removed after the file.

import { afterAll, inject } from 'vitest';
import { run, type Result } from './engine.js';

export const skipReason = inject('dockerSkip');
if (skipReason) console.warn(`SKIPPED: the Docker image tests: ${skipReason}`);

export const runId = inject('dockerRunId');
export const LABEL = `togai-mock-test=${runId}`;

/** The image built for this run; throws (failing the test) when it did not build. */
export function image(): string {
  const error = inject('dockerBuildError');
  if (error) throw new Error(`the image did not build: ${error}`);
  return inject('togaiMockImage');
}

/** Runs the docker client; a non-zero exit is returned, not thrown. */
export function docker(
  args: string[],
  options: { input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<Result> {
  return run(inject('dockerClient'), args, { timeoutMs: 240_000, ...options });
}

/** Runs the docker client and fails with its output unless it exits 0. */
export async function dockerOk(
  args: string[],
  options: { input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<string> {
  const result = await docker(args, options);
  if (result.code !== 0)
    throw new Error(`docker ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** A unique name for a container, volume or network of this run. */
export function uniqueName(what: string): string {
  return `togai-mock-test-${what}-${runId}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface Container {
  id: string;
  /** http://127.0.0.1:<published port> */
  url: string;
  logs(): Promise<{ stdout: string; stderr: string }>;
  /** `docker stop` (SIGTERM, then SIGKILL after `seconds`); resolves with the exit code. */
  stop(seconds?: number): Promise<number>;
}

const started = new Set<string>();
afterAll(async () => {
  if (started.size > 0) await docker(['rm', '-f', '-v', ...started]);
});

/**
 * `docker run -d` of the image with `runArgs` (options before the image) and `args` (after
 * it); waits until Docker reports it healthy.
 */
export async function startContainer(runArgs: string[] = [], args: string[] = []): Promise<Container> {
  const id = (
    await dockerOk(['run', '-d', '--label', LABEL, '-p', '127.0.0.1::4010', ...runArgs, image(), ...args])
  ).trim();
  started.add(id);
  await waitHealthy(id);
  const port = (await dockerOk(['port', id, '4010/tcp'])).trim().split('\n')[0]!;
  const url = `http://${port}`;
  if (!url.startsWith('http://127.0.0.1:')) throw new Error(`port published on ${port}, not on 127.0.0.1`);
  return {
    id,
    url,
    logs: async () => {
      const logs = await docker(['logs', id]);
      return { stdout: logs.stdout, stderr: logs.stderr };
    },
    stop: async (seconds = 60) => {
      await dockerOk(['stop', '--time', String(seconds), id]);
      return Number((await dockerOk(['inspect', '-f', '{{.State.ExitCode}}', id])).trim());
    },
  };
}

/** Polls Docker's health status (from the image's HEALTHCHECK) until healthy; fails if the container stops. */
export async function waitHealthy(id: string): Promise<void> {
  for (;;) {
    const state = (
      await dockerOk(['inspect', '-f', '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}', id])
    ).trim();
    if (state === 'running healthy') return;
    if (!state.startsWith('running') && !state.startsWith('created')) {
      const logs = await docker(['logs', id]);
      throw new Error(`container ${id} is ${state}, never healthy:\n${logs.stdout}${logs.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
