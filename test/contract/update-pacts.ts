// `npm run pacts:update`: regenerates contracts/pacts/ from the reference
// consumer's Pact tests. Pact merges into existing files, so the directory is
// emptied first (a renamed interaction must not linger).

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// No usage reporting from Pact's core; set before Pact loads.
process.env.PACT_DO_NOT_TRACK ??= 'true';
const { writeReferencePacts } = await import('./reference-pact.js');

const dir = fileURLToPath(new URL('../../contracts/pacts/', import.meta.url));
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (f.endsWith('.json')) rmSync(`${dir}${f}`);
await writeReferencePacts(dir);
process.stdout.write(`pact files written to ${dir}: ${readdirSync(dir).join(', ')}\n`);
