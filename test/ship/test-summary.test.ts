// scripts/test-summary.mjs, the last step of .ci/run: it sums the vitest JSON
// reports, names every failed test with the first lines of its failure (so the
// tail of a CI log says what broke), refuses skips under CI=true except the
// real-Togai verification, and ends with the one line the CI counts.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './process.js';

const SCRIPT = join(ROOT, 'scripts', 'test-summary.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'togai-mock-test-summary-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function summarise(reports: Record<string, unknown>, ci: boolean): Promise<Outcome> {
  // Named relative to the script's working directory, as .ci/run names them.
  const files = Object.entries(reports).map(([name, body]) => {
    writeFileSync(join(scratch, name), JSON.stringify(body));
    return name;
  });
  const env = { ...process.env, CI: ci ? 'true' : 'false' };
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...files], { cwd: scratch, env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const test = (title: string, status: string, failureMessages: string[] = []) => ({
  title,
  fullName: `suite ${title}`,
  ancestorTitles: ['suite'],
  status,
  failureMessages,
});
const report = (name: string, tests: ReturnType<typeof test>[]) => ({
  numPassedTests: tests.filter((t) => t.status === 'passed').length,
  numFailedTests: tests.filter((t) => t.status === 'failed').length,
  testResults: [
    {
      name: join(scratch, name),
      status: tests.some((t) => t.status === 'failed') ? 'failed' : 'passed',
      assertionResults: tests,
    },
  ],
});

describe('scripts/test-summary.mjs', () => {
  it('names each failed test with the first lines of its failure, after the per-report counts', async () => {
    const out = await summarise(
      {
        'a.json': report('test/a.test.ts', [
          test('works', 'passed'),
          test('breaks', 'failed', [
            '\u001b[31mAssertionError: expected 404 to be 200\u001b[39m\n    at a.test.ts:12:3\n\n    at b\n    at c\n    at d',
          ]),
        ]),
        'b.json': report('test/b.test.ts', [test('fine', 'passed')]),
      },
      false,
    );
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('1 failed:');
    expect(out.stderr).toContain('FAILED a.json: test/a.test.ts > suite breaks');
    expect(out.stderr).toContain('AssertionError: expected 404 to be 200');
    expect(out.stderr).not.toContain('\u001b[');
    expect(out.stderr).not.toContain('at d');
    expect(out.stdout.trim().split('\n').at(-1)).toBe('2 passed, 1 failed, 0 skipped');
  });

  it('names a file that failed before its tests ran', async () => {
    const out = await summarise(
      {
        'c.json': {
          numPassedTests: 1,
          numFailedTests: 0,
          testResults: [
            { name: join(scratch, 'test/ok.test.ts'), status: 'passed', assertionResults: [test('ok', 'passed')] },
            {
              name: join(scratch, 'test/broken.test.ts'),
              status: 'failed',
              message: 'Error: Cannot find module x',
              assertionResults: [],
            },
          ],
        },
      },
      false,
    );
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('FAILED c.json: test/broken.test.ts (the file failed before its tests ran)');
    expect(out.stderr).toContain('Cannot find module x');
    expect(out.stdout.trim().split('\n').at(-1)).toBe('1 passed, 1 failed, 0 skipped');
  });

  it('under CI=true fails on a skip, except the real-Togai verification, which it names', async () => {
    const allowed = {
      numPassedTests: 1,
      numFailedTests: 0,
      testResults: [
        {
          name: join(scratch, 'test/contract/verify.test.ts'),
          status: 'passed',
          assertionResults: [
            test('ok', 'passed'),
            { ...test('x', 'skipped'), fullName: 'togai-mock verify against the real Togai API verifies' },
          ],
        },
      ],
    };
    const onlyAllowed = await summarise({ 'd.json': allowed }, true);
    expect(onlyAllowed.code).toBe(0);
    expect(onlyAllowed.stdout).toContain(
      'skipped, allowed: test/contract/verify.test.ts > togai-mock verify against the real Togai API',
    );

    const other = await summarise(
      { 'd.json': allowed, 'e.json': report('test/e.test.ts', [test('ok', 'passed'), test('later', 'skipped')]) },
      true,
    );
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('ERROR: CI=true and 1 test(s) skipped:');
    expect(other.stderr).toContain('test/e.test.ts > suite later [skipped]');

    const notCi = await summarise(
      { 'e.json': report('test/e.test.ts', [test('ok', 'passed'), test('later', 'skipped')]) },
      false,
    );
    expect(notCi.code).toBe(0);
  });

  it('fails when a report cannot be read or holds no passed test', async () => {
    const out = await summarise({ 'f.json': report('test/f.test.ts', [test('later', 'skipped')]) }, false);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('f.json: no test passed');
    writeFileSync(join(scratch, 'bad.json'), '{');
    const bad = await new Promise<Outcome>((resolve) =>
      execFile(process.execPath, [SCRIPT, join(scratch, 'bad.json')], { cwd: scratch }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, stdout, stderr }),
      ),
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('cannot read');
  });
});
