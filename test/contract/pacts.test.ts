// Which files a --pacts argument (or a check-pacts argument) names: a file
// itself, or every *.json under a directory, however deep, sorted; dependencies
// and hidden directories are not searched; an empty tree is a clear error.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PactFileError, pactFilesAt } from '../../src/contract/pacts.js';

const scratch = mkdtempSync(join(tmpdir(), 'togai-mock-pacts-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Makes `files` (paths relative to a new directory) and answers the directory. */
function tree(name: string, files: string[]): string {
  const root = join(scratch, name);
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), '{}');
  }
  mkdirSync(root, { recursive: true });
  return root;
}

describe('pactFilesAt', () => {
  it('finds the *.json files of a directory and of its subdirectories, sorted by path', () => {
    const root = tree('nested', [
      'z.json',
      'pacts/b.json',
      'pacts/a.json',
      'pacts/v2/deep/c.json',
      'README.md',
      'pacts/notes.txt',
    ]);
    expect(pactFilesAt(root)).toEqual([
      join(root, 'pacts/a.json'),
      join(root, 'pacts/b.json'),
      join(root, 'pacts/v2/deep/c.json'),
      join(root, 'z.json'),
    ]);
  });

  it('does not search node_modules or hidden directories', () => {
    const root = tree('skipped', [
      'node_modules/pkg/package.json',
      '.git/x.json',
      'pacts/.cache/y.json',
      'pacts/p.json',
    ]);
    expect(pactFilesAt(root)).toEqual([join(root, 'pacts/p.json')]);
  });

  it('takes a link to a file but does not follow a link to a directory', () => {
    const root = tree('links', ['real/p.json']);
    symlinkSync(join(root, 'real'), join(root, 'loop'));
    symlinkSync(join(root, 'real/p.json'), join(root, 'alias.json'));
    expect(pactFilesAt(root)).toEqual([join(root, 'alias.json'), join(root, 'real/p.json')]);
  });

  it('answers a file argument with the file itself', () => {
    const root = tree('single', ['one.json']);
    expect(pactFilesAt(join(root, 'one.json'))).toEqual([join(root, 'one.json')]);
  });

  it('says so when nothing under a directory is a *.json file, and when the path does not exist', () => {
    const root = tree('empty', ['sub/readme.md']);
    expect(() => pactFilesAt(root)).toThrow(PactFileError);
    expect(() => pactFilesAt(root)).toThrow(`${root}: no pact files (*.json) in this directory or below it`);
    expect(() => pactFilesAt(join(root, 'missing'))).toThrow('no such file or directory');
  });
});
