// scripts/clean-dist.mjs, which `npm run build` runs around the compile:
// after the build, dist/ holds only what the build wrote; files older than
// the build's start (outputs of deleted sources) and directories left empty
// are gone, and dist/ itself never disappears. The real build is checked in
// pack.test.ts (a stale file planted in dist/ is gone and not packed).

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './process.js';

const run = promisify(execFile);
const SCRIPT = join(ROOT, 'scripts', 'clean-dist.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'togai-mock-clean-dist-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function write(dir: string, file: string, old = false): void {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), 'x');
  if (old) utimesSync(join(dir, file), new Date('2020-01-01'), new Date('2020-01-01'));
}

/** Every file under `dir`, relative, sorted. */
const listing = (dir: string): string[] =>
  (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();

describe('scripts/clean-dist.mjs', () => {
  it('keeps what the build wrote after --mark and sweeps the rest, empty directories too', async () => {
    const dist = join(scratch, 'dist');
    for (const f of ['cli.js', 'spec/load.js', 'removed.js', 'gone/old.js', 'gone/deeper/old.d.ts'])
      write(dist, f, true);
    await run(process.execPath, [SCRIPT, '--mark', dist]);
    // "The build": rewrites what still has a source, adds a new output.
    for (const f of ['cli.js', 'spec/load.js', 'spec/new.json']) write(dist, f);
    const swept = await run(process.execPath, [SCRIPT, '--sweep', dist]);
    expect(swept.stdout).toContain('removed 3 stale file(s)');
    expect(listing(dist)).toEqual(['cli.js', 'spec/load.js', 'spec/new.json']);
    expect(existsSync(join(dist, 'gone'))).toBe(false);
  });

  it('makes dist/ when there is none, and refuses to sweep without a mark', async () => {
    const dist = join(scratch, 'fresh', 'dist');
    await run(process.execPath, [SCRIPT, '--mark', dist]);
    expect(existsSync(dist)).toBe(true);
    await run(process.execPath, [SCRIPT, '--sweep', dist]);
    expect(readdirSync(dist)).toEqual([]);
    const unmarked = await run(process.execPath, [SCRIPT, '--sweep', dist]).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect(unmarked).toMatchObject({ code: 1, stderr: expect.stringContaining('run with --mark before the build') });
  });
});
