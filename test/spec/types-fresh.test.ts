// Each src/spec/*.gen.ts must be what openapi-typescript makes of its spec/
// document today, so the TypeScript types can never drift from the spec.
import { readFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

describe('generated types', () => {
  it.each([
    ['spec/togai-credits.yaml', 'src/spec/types.gen.ts'],
    ['spec/togai-accounts.yaml', 'src/spec/accounts-types.gen.ts'],
    ['spec/togai-mock-control.yaml', 'src/spec/control-types.gen.ts'],
  ])('are up to date with %s (run `npm run gen:types` if not)', async (spec, generated) => {
    const ast = await openapiTS(new URL(spec, root));
    const expected = readFileSync(new URL(generated, root), 'utf8');
    const strip = (s: string) => s.replace(/^\/\*\*[\s\S]*?\*\/\s*/, '').trim();
    expect(strip(astToString(ast))).toBe(strip(expected));
  });
});
