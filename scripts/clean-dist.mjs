// Keeps dist/ to what the current build writes, so files compiled from
// sources that no longer exist do not ship. `npm run build` runs it twice:
//
//   node scripts/clean-dist.mjs --mark    before tsc: leaves a marker file in dist/
//   node scripts/clean-dist.mjs --sweep   after the build: deletes every file older
//                                         than the marker (and directories left empty)
//
// Why not delete dist/ first: tests and benchmarks run the built server from
// dist/ while another test packs the package (which builds); emptying dist/
// for the length of a compile would pull it from under them. tsc rewrites
// every output on each run, and the build writes its generated files anew,
// so whatever the build did not write is older than the marker. The marker
// and the files share the file system's clock, so its granularity does not
// matter. An optional last argument names another directory (tests).

import { readdirSync, rmdirSync, statSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARKER = '.build-started';

/** Deletes files older than `since` under `dir`, then directories left empty; answers how many files went. */
function sweep(dir, since) {
  let removed = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      removed += sweep(path, since);
      if (readdirSync(path).length === 0) rmdirSync(path);
    } else if (entry.name !== MARKER && statSync(path).mtimeMs < since) {
      unlinkSync(path);
      removed++;
    }
  }
  return removed;
}

const [mode, target] = process.argv.slice(2);
const dist = resolve(target ?? fileURLToPath(new URL('../dist', import.meta.url)));
const marker = join(dist, MARKER);

if (mode === '--mark') {
  mkdirSync(dist, { recursive: true });
  writeFileSync(marker, `${process.pid}\n`);
} else if (mode === '--sweep') {
  let since;
  try {
    since = statSync(marker).mtimeMs;
  } catch {
    console.error(`clean-dist: no ${marker}: run with --mark before the build`);
    process.exit(1);
  }
  const removed = sweep(dist, since);
  unlinkSync(marker);
  if (removed > 0) console.log(`clean-dist: removed ${removed} stale file(s) from ${dist}`);
} else {
  console.error('usage: node scripts/clean-dist.mjs --mark|--sweep [dir]');
  process.exit(2);
}
