// docs/docker.md, run: every ```sh block on the page, in order, in one bash
// with `-eu`, against the image built for this run. Only what would collide
// with other runs is swapped: the image name, the published port, and the
// container, volume and network names. Blocks marked "not run" are run
// elsewhere (the build by global-setup.ts, compose by compose.test.ts).

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { run } from './engine.js';
import { docker, image, runId, skipReason } from './support.js';
import { freePort } from '../helpers/ports.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const page = readFileSync(join(ROOT, 'docs/docker.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};

/** The page's ```sh blocks, each with the "not run" reason written just above it (if any). */
function shBlocks(): Array<{ code: string; notRun: string | undefined }> {
  return [...page.matchAll(/(?:<!-- not run: (.*?) -->\n)?```sh\n([\s\S]*?)```/g)].map((m) => ({
    code: m[2]!,
    notRun: m[1],
  }));
}

describe('docs/docker.md', () => {
  it('builds the image with the command the suite builds it with', () => {
    const [build] = shBlocks();
    expect(build!.notRun).toContain('global-setup.ts');
    expect(build!.code.trim()).toBe('docker build -t togai-mock .');
    expect(readFileSync(join(ROOT, 'test/docker/global-setup.ts'), 'utf8')).toContain("['build', '-t', image");
  });

  const names = ['togai', 'togai-state', 'togai-net'];
  const suffix = `-t${runId}`;
  afterAll(async () => {
    if (skipReason) return;
    await docker(['rm', '-f', `togai${suffix}`]);
    await docker(['volume', 'rm', `togai-state${suffix}`]);
    await docker(['network', 'rm', `togai-net${suffix}`]);
  });

  it.skipIf(skipReason !== '')('its commands run as written, with the results it gives', async () => {
    const port = await freePort();
    let script = shBlocks()
      .filter((b) => b.notRun === undefined)
      .map((b) => b.code)
      .join('\n');
    script = script
      .replace(/(?<![\w./-])togai-mock(?![\w./-])/g, image())
      // Names, also as a host name in a URL (http://togai:4010), but not inside other words.
      .replace(new RegExp(`(?<![\\w.-])(${names.join('|')})(?![\\w-])`, 'g'), `$1${suffix}`)
      .replaceAll('127.0.0.1:4010:4010', `127.0.0.1:${port}:4010`)
      .replaceAll('http://127.0.0.1:4010', `http://127.0.0.1:${port}`);
    const cwd = mkdtempSync(join(tmpdir(), 'togai-mock-docs-'));
    try {
      cpSync(join(ROOT, 'contracts/pacts'), join(cwd, 'contracts/pacts'), { recursive: true });
      mkdirSync(join(cwd, 'scripts'));
      cpSync(join(ROOT, 'scripts/docker-sizes.mjs'), join(cwd, 'scripts/docker-sizes.mjs'));
      // The client the suite uses; each curl's answer on a line of its own.
      const prelude = 'docker() { command "$DOCKER_CLIENT" "$@"; }\ncurl() { command curl "$@"; echo; }\nset -x\n';
      const result = await run('bash', ['-eu', '-c', prelude + script], {
        cwd,
        env: { ...process.env, DOCKER_CLIENT: inject('dockerClient') },
        timeoutMs: 600_000,
      });
      expect(result.code, result.stderr).toBe(0);
      const out = result.stdout;
      const answers = out.split('\n').filter((l) => l.startsWith('{'));
      // Run: an empty list with the configured token.
      expect(answers[0]).toBe('{"data":[]}');
      // The command line.
      expect(out).toMatch(/^togai-mock \d+\.\d+\.\d+: a stateful fake/m);
      expect(out.split('\n')).toContain(pkg.version);
      // Named volume: granted in one container, listed from the next one.
      const granted = JSON.parse(answers[1]!) as { credits: Array<{ id: string }> };
      const listed = JSON.parse(answers[2]!) as { data: Array<{ id: string; accountId: string }> };
      expect(listed.data.map((c) => c.id)).toEqual([granted.credits[0]!.id]);
      // Bind mount: the state file's log is on the host.
      expect(out.split('\n')).toContain('state.json.log');
      // Contract tests from the image.
      expect(out).toContain('togai-mock verify: PASSED');
      // The size table, one row per production dependency.
      expect(out).toContain('| Dependency | Its own files (MB) |');
      for (const name of Object.keys(pkg.dependencies)) expect(out).toContain(`| ${name} |`);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
