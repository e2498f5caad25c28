// Build step, run by `npm run build` after tsc: writes every spec/*.yaml as
// pre-parsed JSON into dist/spec/ (next to the built load.js), so a start
// does not parse YAML. Generated output only: never edit it, edit the YAML.
// load.ts uses a file only while its SHA-256 stamp matches the YAML.

import { readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILT_SPEC_DIR, SPEC_DIR, buildSpec } from './load.js';

/** Writes the JSON of every spec/*.yaml into `outDir` (by default beside load.js); answers the files written. */
export function writeBuiltSpecs(outDir = BUILT_SPEC_DIR): string[] {
  const written: string[] = [];
  for (const name of readdirSync(SPEC_DIR).filter((n) => n.endsWith('.yaml')).sort()) {
    const source = join(SPEC_DIR, name);
    const target = join(outDir, `${basename(name, '.yaml')}.json`);
    writeFileSync(target, `${JSON.stringify(buildSpec(source))}\n`);
    written.push(target);
  }
  return written;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeBuiltSpecs();
}
