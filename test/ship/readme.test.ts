// The README's ship sections stay true: the library example in docs/library.md
// is exactly test/ship/readme-example.test.ts (which runs as a test) and the
// README shows its start, and every flag that `togai-mock --help` lists is
// documented in the README's "Configuration" table (one row per entry of the
// options table in src/options.ts).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { OPTIONS } from '../../src/options.js';
import { CLI, ROOT, cleanEnv, runToEnd } from './process.js';

// Each test starts the CLI through tsx, which takes seconds on a busy machine.
vi.setConfig({ testTimeout: 90_000 });

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README section "## ${title}"`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe('README', () => {
  it('the library example is the file that runs as a test, and the README shows its start', () => {
    const example = readFileSync(join(ROOT, 'test/ship/readme-example.test.ts'), 'utf8').replace(/\n+$/, '');
    const page = readFileSync(join(ROOT, 'docs/library.md'), 'utf8');
    const full = /```ts\n([\s\S]*?)\n```/.exec(page);
    expect(full, 'a ```ts block in docs/library.md').not.toBeNull();
    expect(full![1]).toBe(example);
    const brief = /```ts\n([\s\S]*?)\n```/.exec(section('Library API'));
    expect(brief, 'a ```ts block under "## Library API"').not.toBeNull();
    expect(example.startsWith(`${brief![1]}\n`), "the README's snippet is the start of the example").toBe(true);
    expect(brief![1]).toContain("from 'togai-mock'");
  });

  it('documents every flag of togai-mock --help, and --help covers every TOGAI_MOCK_* variable', async () => {
    const help = await runToEnd(process.execPath, [...CLI, '--help'], { env: cleanEnv() });
    expect(help.code).toBe(0);
    const flags = [...help.stdout.matchAll(/^ {2}--(?:\[no-\])?([a-z-]+)/gm)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(10);
    // The options table drives the variables, the flags and --help: each option shows its flag and its variables.
    expect(flags.filter((f) => f !== 'help' && f !== 'version')).toEqual(OPTIONS.map((o) => o.flag));
    const variables = OPTIONS.flatMap((o) => o.env).filter((v) => v.startsWith('TOGAI_MOCK_'));
    expect(variables.length).toBeGreaterThan(10);
    for (const o of OPTIONS)
      expect(help.stdout, `${o.env.join(', ')} in --help`).toContain(`env: ${o.env.join(' or ')}`);
    const documented = section('Configuration');
    for (const flag of flags.filter((f) => f !== 'help' && f !== 'version')) {
      expect(documented, `--${flag} in README "Configuration"`).toMatch(new RegExp(`--(\\[no-\\])?${flag}\\b`));
    }
  });

  it('documents docker build and docker run', () => {
    const docker = section('Docker');
    expect(docker).toMatch(/docker build -t togai-mock \./);
    expect(docker).toMatch(/docker run .*togai-mock/);
  });
});
