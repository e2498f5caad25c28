// One seam per backend, checked: outside src/store/backends/ nothing imports a
// concrete log (memory, the state file, Redis) or asks which backend it has;
// they reach backends only through backends/index.ts (openBackend) and the
// interfaces of backends/types.ts. A new `instanceof RedisLog` or
// `backend === 'redis'` elsewhere fails here, naming the file and line.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const BACKENDS = join(SRC, 'store', 'backends');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return path === BACKENDS ? [] : sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** What names a concrete backend: importing one, testing for its class, or comparing the backend's name. */
const NAMING = [
  /from '[^']*store\/backends\/(memory|file\/|redis\/)[^']*'/,
  /\b(MemoryLog|FileLog|RedisLog)\b/,
  /\bbackend\s*[!=]==?\s*'(memory|file|redis)'/,
];

describe('the backend seam', () => {
  it('nothing outside src/store/backends/ names a concrete backend', () => {
    const files = sources(SRC);
    // Guards against passing on an empty tree.
    expect(files.map((f) => relative(SRC, f))).toContain('runtime.ts');
    const found: string[] = [];
    for (const file of files) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (NAMING.some((re) => re.test(line))) found.push(`${relative(SRC, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});
