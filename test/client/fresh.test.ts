// test/client/generated/ must be what @hey-api/openapi-ts makes of spec/ today,
// so the strict clients the end-to-end tests use can never lag the spec.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DOCUMENTS, filesOf, GENERATED, generateClients } from './generate.js';

const out = mkdtempSync(join(tmpdir(), 'togai-mock-client-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the generated strict clients', () => {
  it('are up to date with spec/ (run `npm run gen:client` if not)', async () => {
    await generateClients(out);
    const made = filesOf(out);
    const committed = filesOf(GENERATED);
    expect([...committed.keys()].sort()).toEqual([...made.keys()].sort());
    for (const [path, text] of made) expect(committed.get(path), path).toBe(text);
    // One client per document, nothing left over from a removed one.
    expect(new Set([...committed.keys()].map((p) => p.split(/[\\/]/)[0]))).toEqual(new Set(Object.keys(DOCUMENTS)));
  });
});
