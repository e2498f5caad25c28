// The pre-parsed specs the build writes (src/spec/build.ts, run by
// `npm run build`) are the YAML and nothing else: generated from spec/*.yaml,
// used only while their SHA-256 stamp matches the YAML, and ignored (the
// YAML parsed instead) when missing, stale or unreadable.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBuiltSpecs } from '../../src/spec/build.js';
import {
  ACCOUNTS_SPEC_FILE,
  CONTROL_SPEC_FILE,
  CREDITS_SPEC_FILE,
  SPEC_DIR,
  builtSpecFile,
  readSpec,
  type BuiltSpec,
} from '../../src/spec/load.js';

const out = mkdtempSync(join(tmpdir(), 'togai-mock-built-spec-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const yamlFiles = readdirSync(SPEC_DIR)
  .filter((n) => n.endsWith('.yaml'))
  .sort();
const written = writeBuiltSpecs(out);
const built = (file: string): BuiltSpec => JSON.parse(readFileSync(builtSpecFile(file, out)!, 'utf8')) as BuiltSpec;

describe('the built specs', () => {
  it('cover every spec/*.yaml, including both documents the mock loads', () => {
    expect(written.map((f) => basename(f))).toEqual(yamlFiles.map((n) => n.replace(/\.yaml$/, '.json')));
    expect(yamlFiles).toEqual(
      expect.arrayContaining([basename(CREDITS_SPEC_FILE), basename(ACCOUNTS_SPEC_FILE), basename(CONTROL_SPEC_FILE)]),
    );
  });

  it.each(yamlFiles)('%s: hold exactly the parsed YAML, stamped with its SHA-256', (name) => {
    const file = join(SPEC_DIR, name);
    const text = readFileSync(file, 'utf8');
    const b = built(file);
    expect(b.sourceSha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(b.document).toEqual(parse(text));
  });

  it('are what a fresh build reads instead of the YAML', () => {
    for (const file of [CREDITS_SPEC_FILE, ACCOUNTS_SPEC_FILE, CONTROL_SPEC_FILE]) {
      const read = readSpec(file, out);
      expect(read.from).toBe('json');
      expect(read.document).toEqual(readSpec(file, join(out, 'nowhere')).document);
    }
  });

  it('are ignored when stale or unreadable: the YAML is parsed instead', () => {
    const target = builtSpecFile(CREDITS_SPEC_FILE, out)!;
    const fresh = readFileSync(target, 'utf8');
    try {
      // Made from another text (the YAML was edited after the build): its content must not be served.
      const stale = built(CREDITS_SPEC_FILE);
      writeFileSync(
        target,
        JSON.stringify({
          ...stale,
          sourceSha256: '0'.repeat(64),
          document: { ...stale.document, info: { title: 'stale' } },
        }),
      );
      let read = readSpec(CREDITS_SPEC_FILE, out);
      expect(read.from).toBe('yaml');
      expect(read.document.info.title).not.toBe('stale');
      writeFileSync(target, '{"sourceSha256": ');
      read = readSpec(CREDITS_SPEC_FILE, out);
      expect(read.from).toBe('yaml');
      expect(read.document).toEqual(parse(readFileSync(CREDITS_SPEC_FILE, 'utf8')));
    } finally {
      writeFileSync(target, fresh);
    }
  });

  it('are read without a build too (tests run src/, which has none)', () => {
    expect(existsSync(builtSpecFile(CREDITS_SPEC_FILE)!)).toBe(false);
    expect(readSpec(CREDITS_SPEC_FILE).from).toBe('yaml');
  });
});
