// Smoke test of the benchmark harness (bench/run.ts), not a benchmark: it runs
// the harness in --quick mode against togai-mock and the bare node:http
// server with a tiny store and a fraction of a second per cell, and checks
// that a report with its tables comes out. No timing is asserted.
//
// The harness measures the built server (dist/). When there is no build yet
// (a fresh clone), the test makes one first rather than skipping.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function run(command: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((ok) => {
    const child = spawn(command, args, {
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

beforeAll(async () => {
  if (existsSync(join(ROOT, 'dist', 'server.js'))) return;
  const build = await run('npm', ['run', 'build']);
  expect(build.code, `npm run build failed:\n${build.out}\n${build.err}`).toBe(0);
  expect(existsSync(join(ROOT, 'dist', 'server.js'))).toBe(true);
}, 300_000);

describe('bench harness (--quick smoke)', () => {
  it('drives togai-mock and a bare server and prints the report tables', async () => {
    const r = await run(process.execPath, [
      '--import',
      'tsx',
      join(ROOT, 'bench', 'run.ts'),
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
      '--event-sizes=200,400',
      '--event-accounts=20,40',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('### POST /credits (grant one)');
    expect(r.out).toContain('### GET /credits?account_id= (first page, 50)');
    expect(r.out).toMatch(/\| togai-mock 200 \| [\d,]+ \| /);
    expect(r.out).toMatch(/\| bare node:http \| [\d,]+ \| /);
    expect(r.out).toContain('### Start-up to first served request');
    expect(r.out).toContain('| 200 |');
    // The events section: the pages at both sizes, the writes on the small instance, the memory table.
    expect(r.out).toContain('### Targets (events and accounts)');
    expect(r.out).toMatch(
      /\| GET \/events\?account_id= \(first page, 50\) \| togai-mock 400 events \/ 40 accounts \| [\d,]+ \|/,
    );
    expect(r.out).toMatch(
      /\| POST \/ingest \(one event\) \| togai-mock 200 events \/ 20 accounts \| [\d,]+ \| [\d,]+ \|/,
    );
    expect(r.out).toMatch(/\| POST \/ingestBatch \(100 events\) \| togai-mock 200 events \/ 20 accounts \| [\d,]+ \|/);
    expect(r.out).toMatch(/\| togai-mock 400 events \/ 40 accounts \| 400 \| 40 \(4\) \|/);
    // Every request the harness sent was answered with a 2xx.
    expect(r.out).not.toContain('non-2xx');
  }, 300_000);
});
