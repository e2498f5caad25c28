// src/spec/types.gen.ts must be what openapi-typescript makes of spec/ today,
// so the TypeScript types can never drift from the spec.
import { readFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

describe('generated types', () => {
  it('are up to date with spec/togai-credits.yaml (run `npm run gen:types` if not)', async () => {
    const ast = await openapiTS(new URL('spec/togai-credits.yaml', root));
    const expected = readFileSync(new URL('src/spec/types.gen.ts', root), 'utf8');
    const strip = (s: string) => s.replace(/^\/\*\*[\s\S]*?\*\/\s*/, '').trim();
    expect(strip(astToString(ast))).toBe(strip(expected));
  });
});
