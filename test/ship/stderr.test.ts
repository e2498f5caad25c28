// The built CLI, as a user runs it under the Node this suite runs on (22 or
// 24 in CI): its stderr carries only what the user can act on. Pact's
// verifier proxy uses a deprecated Node API (DEP0060), which Node reports on
// stderr unless the CLI drops that one warning; any other warning still shows
// and fails these tests.

import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { builtCli } from '../helpers/replicas.js';
import { ROOT, cleanEnv, runToEnd, start, urlOf } from './process.js';

// The first call builds the CLI (tsc), which takes a while on a busy machine.
vi.setConfig({ testTimeout: 180_000 });

const pacts = join(ROOT, 'contracts', 'pacts');
const run = async (args: string[]) => runToEnd(process.execPath, [await builtCli(), ...args], { env: cleanEnv() });

describe('no warnings on stderr', () => {
  it('togai-mock verify (Pact verifier against an in-process mock)', async () => {
    const { code, stdout, stderr } = await run(['verify', '--pacts', pacts]);
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toContain('togai-mock verify: PASSED');
    expect(stderr).toBe('');
  });

  it('togai-mock check-pacts', async () => {
    const { code, stdout, stderr } = await run(['check-pacts', pacts]);
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toMatch(/0 error\(s\)/);
    expect(stderr).toBe('');
  });

  it('togai-mock serve: only the URL line, through a request and a clean stop', async () => {
    const child = start(process.execPath, [await builtCli(), '--port', '0', '--log-level', 'warn'], {
      env: cleanEnv(),
    });
    const url = await urlOf(child);
    expect((await fetch(`${url}/credits`, { headers: { authorization: 'Bearer t' } })).status).toBe(200);
    process.kill(child.proc.pid!, 'SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.stderr.filter((l) => l.trim() !== '')).toEqual([`togai-mock listening on ${url}`]);
  });

  it('a warning with another code still reaches stderr', async () => {
    // The same filter the CLI installs; then one deprecation it must drop and one it must keep.
    const script = [
      `(await import(${JSON.stringify(join(ROOT, 'src', 'quiet-warnings.ts'))})).quietWarnings();`,
      "(await import('node:util'))._extend({}, {});",
      "process.emitWarning('kept', { type: 'DeprecationWarning', code: 'DEP0999' });",
    ].join('\n');
    const { code, stderr } = await runToEnd(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { env: cleanEnv() },
    );
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('[DEP0999] DeprecationWarning: kept');
    expect(stderr).not.toContain('DEP0060');
  });
});
