// Smoke test of the benchmark harness (bench/run.ts), not a benchmark: it runs
// the harness in --quick mode against togai-mock and the bare node:http
// server with a tiny store and a fraction of a second per cell, and checks
// that a report with its tables comes out. No timing is asserted.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = existsSync(join(ROOT, 'dist', 'server.js'));
if (!built) console.warn('test/bench/harness.test.ts: skipped, dist/ is missing (run npm run build first)');

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'run.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => ok({ code, out, err }));
  });
}

describe('bench harness (--quick smoke)', () => {
  it.skipIf(!built)('drives togai-mock and a bare server and prints the report tables', async () => {
    const r = await run([
      '--quick',
      '--no-build',
      '--no-write',
      '--targets=togai,http',
      '--sizes=200',
      '--per-account=50',
      '--duration=0.3',
      '--warmup=0',
      '--runs=1',
      '--startup-runs=0',
      '--connections=4',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('### POST /credits (grant one)');
    expect(r.out).toContain('### GET /credits?account_id= (first page, 50)');
    expect(r.out).toMatch(/\| togai-mock 200 \| [\d,]+ \| /);
    expect(r.out).toMatch(/\| bare node:http \| [\d,]+ \| /);
    expect(r.out).toContain('### Start-up to first served request');
    expect(r.out).toContain('| 200 |');
    // Every request the harness sent was answered with a 2xx.
    expect(r.out).not.toContain('non-2xx');
  }, 300_000);
});
