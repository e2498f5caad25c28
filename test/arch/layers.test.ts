// The house's shape, checked: no import cycles in src/, and imports only go
// down (app -> http/control -> store -> domain; README, "Development"). madge reads
// the same import graph a reader would; this test fails on the first arrow
// that points the wrong way, naming it.
//
// Determinism as a boundary: src/domain/ and the state machine's apply
// function, with everything it runs (the files it imports, transitively),
// never read the wall clock or a random source. Time and entropy come in the
// command, stamped before it is logged (store/machine/stamp.ts, which is not
// part of that closure). Deterministic hashing (createHash) stays allowed.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import ts from 'typescript';
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

/** The module whose every run must be a function of the state and the command. */
const APPLY = 'store/machine/apply.ts';

/** crypto's sources of randomness (createHash and friends are deterministic and allowed). */
const RANDOM_CRYPTO =
  /^(randomBytes|randomUUID|getRandomValues|randomInt|randomFill|randomFillSync|pseudoRandomBytes|generateKey|generateKeySync|generateKeyPair|generateKeyPairSync|generatePrime|generatePrimeSync|webcrypto|subtle)$/;

/**
 * Where a source reads the clock or a random source: `Date.now`, `new Date()`
 * or `Date()` without an argument, `Math.random`, `performance.now`,
 * `process.hrtime`, and crypto's random functions (imported or as a member).
 * Read from the syntax tree, so comments and strings do not count.
 */
export function nondeterminismIn(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node, what: string): void => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push(`${fileName}:${line + 1} ${what}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) {
      const target = node.expression.getText(source);
      const name = node.name.text;
      if (
        (target === 'Date' && name === 'now') ||
        (target === 'Math' && name === 'random') ||
        (target === 'performance' && name === 'now') ||
        (target === 'process' && name === 'hrtime')
      ) {
        at(node, `${target}.${name}`);
      } else if (RANDOM_CRYPTO.test(name)) {
        at(node, `.${name}`);
      }
    } else if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      node.expression.getText(source) === 'Date' &&
      (node.arguments?.length ?? 0) === 0
    ) {
      at(node, ts.isNewExpression(node) ? 'new Date()' : 'Date()');
    } else if (ts.isImportSpecifier(node) && RANDOM_CRYPTO.test((node.propertyName ?? node.name).text)) {
      at(node, `import ${(node.propertyName ?? node.name).text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

let graph: Record<string, string[]>;
let cycles: string[][];

beforeAll(async () => {
  const result = await madge(SRC, { fileExtensions: ['ts'], detectiveOptions: { ts: { skipTypeImports: false } } });
  graph = result.obj();
  cycles = result.circular();
}, 60_000);

/**
 * `from` and every src/ file it imports, transitively, types included (apply
 * runs the methods of the state objects it is handed, e.g. MockState's, whose
 * modules it imports as types), but not into `stop`.
 */
function closureOf(from: string, edges: Record<string, string[]>, stop: ReadonlySet<string>): Set<string> {
  const seen = new Set<string>();
  const todo = [from];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file) || stop.has(file)) continue;
    seen.add(file);
    todo.push(...(edges[file] ?? []));
  }
  return seen;
}

/** apply.ts names the engine's types (MockEngine); the engine runs apply, never the other way. */
const NOT_RUN_BY_APPLY: ReadonlySet<string> = new Set(['store/machine/engine.ts']);

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

describe('determinism boundary', () => {
  /** src/domain/ and whatever the apply module runs. */
  const pureFiles = (): string[] =>
    [
      ...new Set([
        ...Object.keys(graph).filter((f) => folderOf(f) === 'domain'),
        ...closureOf(APPLY, graph, NOT_RUN_BY_APPLY),
      ]),
    ].sort();

  it('covers the domain and what apply runs, and not the stamping module', () => {
    const files = pureFiles();
    for (const f of [
      'domain/ledger.ts',
      'domain/clock.ts',
      APPLY,
      'store/machine/state.ts',
      'store/machine/store.ts',
      'store/machine/fault-rules.ts',
      'store/machine/snapshot.ts',
    ]) {
      expect(files).toContain(f);
    }
    expect(files).not.toContain('store/machine/stamp.ts');
    expect(files).not.toContain('store/machine/mock-machine.ts');
  });

  it('finds every kind of clock and random read, and nothing in comments, strings or deterministic hashing', () => {
    const planted = [
      'const a = Date.now();',
      'const b = new Date();',
      'const c = Date();',
      'const d = Math.random();',
      "import { randomBytes } from 'node:crypto';",
      "import { randomUUID as id } from 'node:crypto';",
      'const e = crypto.getRandomValues(new Uint8Array(4));',
      'const f = performance.now();',
    ];
    for (const line of planted) expect(nondeterminismIn('planted.ts', line), line).toHaveLength(1);
    const fine = [
      '// Date.now() and Math.random() in a comment',
      "const s = 'new Date() in a string';",
      'const d = new Date(0).toISOString();',
      "import { createHash } from 'node:crypto';",
      "const h = createHash('sha256').update('x').digest('hex');",
    ];
    for (const line of fine) expect(nondeterminismIn('fine.ts', line), line).toEqual([]);
  });

  it('src/domain/ and the apply module (with what it imports) read no clock and no random source', () => {
    const found = pureFiles().flatMap((f) => nondeterminismIn(f, readFileSync(`${SRC}${f}`, 'utf8')));
    expect(found).toEqual([]);
  });
});
