// Finds a Docker engine for the image tests and runs its command-line client.
// The client must build with BuildKit: Docker 23+ through its buildx plugin,
// older clients (Debian's 20.10) with DOCKER_BUILDKIT=1. A newer client
// without buildx, found first on PATH, is passed over for one that works.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Engine {
  /** The docker client to run. */
  client: string;
  clientVersion: string;
  serverVersion: string;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment for every docker and docker-compose call. */
export function dockerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_BUILDKIT: '1', COMPOSE_DOCKER_CLI_BUILD: '1', ...extra };
}

/** Runs a command to completion (never throws for a non-zero exit). */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? dockerEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = options.timeoutMs
      ? setTimeout(() => {
          stderr += `\n[killed after ${options.timeoutMs} ms]`;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

function candidates(): string[] {
  const given = process.env.TOGAI_MOCK_DOCKER;
  if (given) return [given];
  const found = ['/usr/bin/docker', '/usr/local/bin/docker', '/bin/docker'].filter((p) => existsSync(p));
  return found.length > 0 ? found : ['docker'];
}

/** The engine to test against, or why there is none. */
export async function findEngine(): Promise<{ engine: Engine } | { reason: string }> {
  const problems: string[] = [];
  for (const client of candidates()) {
    let version: Result;
    try {
      version = await run(client, ['version', '--format', '{{.Client.Version}}|{{.Server.Version}}'], {
        timeoutMs: 20_000,
      });
    } catch (err) {
      problems.push(`${client}: ${(err as Error).message}`);
      continue;
    }
    const [clientVersion = '', serverVersion = ''] = version.stdout.trim().split('|');
    if (version.code !== 0 || serverVersion === '') {
      problems.push(
        `${client}: no Docker engine answers (${(version.stderr.trim().split('\n').pop() ?? '').slice(0, 200)})`,
      );
      continue;
    }
    if (Number.parseInt(clientVersion, 10) >= 23) {
      const buildx = await run(client, ['buildx', 'version'], { timeoutMs: 20_000 });
      if (buildx.code !== 0) {
        problems.push(`${client} ${clientVersion}: no buildx plugin, so it cannot build with BuildKit`);
        continue;
      }
    }
    return { engine: { client, clientVersion, serverVersion } };
  }
  return { reason: problems.join('; ') || 'no docker client found' };
}
