// Generates the strict clients the end-to-end tests drive the mock with:
// one per Togai document in spec/, made by @hey-api/openapi-ts with its zod
// plugin and the SDK's response validator on. Such a client throws when a
// 2xx answer lacks a field the spec marks required or breaks a length,
// pattern, format or enum: the way Togai's own generated clients (Java,
// Python, Go; not on npm) treat the mock's answers.
//
// `npm run gen:client` writes them to test/client/generated/ (committed, so a
// clean clone type-checks without running anything); test/client/fresh.test.ts
// regenerates them into a temporary directory and compares.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@hey-api/openapi-ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const GENERATED = join(ROOT, 'test', 'client', 'generated');

/** The documents a client is made from, by the directory it goes to. */
export const DOCUMENTS: Record<string, string> = {
  credits: 'spec/togai-credits.yaml',
  accounts: 'spec/togai-accounts.yaml',
};

/** Writes one client per document under `outRoot` (outRoot/credits/, ...). */
export async function generateClients(outRoot: string): Promise<void> {
  for (const [name, document] of Object.entries(DOCUMENTS)) {
    await createClient({
      input: join(ROOT, document),
      // NodeNext resolution (tsconfig.json) wants explicit .js in relative imports.
      output: { path: join(outRoot, name), importFileExtension: '.js', tsConfigPath: null },
      // Only failures: the freshness test runs this on every suite run.
      logs: { level: 'silent' },
      plugins: ['@hey-api/client-fetch', 'zod', { name: '@hey-api/sdk', validator: true }],
    });
  }
}

/** Every file under `dir` with its text, by path relative to `dir`. */
export function filesOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await generateClients(GENERATED);
  console.log(`wrote ${relative(ROOT, GENERATED)}/{${Object.keys(DOCUMENTS).join(',')}}`);
}
