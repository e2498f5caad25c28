// The house's shape, checked: no import cycles in src/, and imports only go
// down (app -> http/control -> store -> domain; STYLE.md section 1). madge reads
// the same import graph a reader would; this test fails on the first arrow
// that points the wrong way, naming it.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { beforeAll, describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Folders (first path segment under src/) that each folder must not import. */
const FORBIDDEN: Record<string, readonly string[]> = {
  domain: ['http', 'control', 'ui', 'contract', 'store', 'fallback'],
  store: ['http', 'control', 'ui', 'contract', 'fallback'],
  http: ['control', 'ui', 'contract', 'fallback'],
  spec: ['http', 'control', 'ui', 'contract', 'store', 'fallback'],
};

const folderOf = (file: string): string => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '');

let graph: Record<string, string[]>;
let cycles: string[][];

beforeAll(async () => {
  const result = await madge(SRC, { fileExtensions: ['ts'], detectiveOptions: { ts: { skipTypeImports: false } } });
  graph = result.obj();
  cycles = result.circular();
}, 60_000);

describe('src/ layering', () => {
  it('reads the whole source tree', () => {
    // Guards the checks below against passing on an empty graph.
    expect(Object.keys(graph)).toContain('domain/ledger.ts');
    expect(Object.keys(graph)).toContain('app.ts');
    expect(graph['app.ts']!.length).toBeGreaterThan(3);
  });

  it('has no import cycles', () => {
    expect(cycles.map((c) => c.join(' > '))).toEqual([]);
  });

  it('imports only downwards', () => {
    const wrong: string[] = [];
    for (const [file, deps] of Object.entries(graph)) {
      const banned = FORBIDDEN[folderOf(file)] ?? [];
      for (const dep of deps) if (banned.includes(folderOf(dep))) wrong.push(`${file} -> ${dep}`);
    }
    expect(wrong).toEqual([]);
  });
});

// A request's context is its typed scope (src/http/request-scope.ts); Express's untyped
// per-response bag stays unused (the test type check makes its properties `never` too:
// no-res-locals.d.ts). Property access, a quoted name, or destructuring.
const LOCALS = /\.\s*locals\b|\[\s*['"`]locals['"`]\s*\]|[{,]\s*locals\s*[,}:]/;

describe('request context', () => {
  it('is never kept in res.locals', () => {
    const forms = ['res.locals.tenantKey = k', "res['locals']", 'const { locals } = res'];
    forms.push('const { req, locals: l } = res');
    for (const use of forms) expect(use).toMatch(LOCALS);
    const uses: string[] = [];
    for (const file of Object.keys(graph)) {
      readFileSync(`${SRC}${file}`, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (LOCALS.test(line)) uses.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(uses).toEqual([]);
  });
});
