// Loads the project's OpenAPI documents from spec/ (the single source of
// truth) and resolves the OpenAPI-level $refs (parameters, request bodies,
// responses). Schema $refs are left to ajv.
//
// The YAML stays the only source. Parsing it took a sixth of the start-up
// (a start-up cost), so `npm run build` also writes each document as JSON next to
// the built loader (dist/spec/<name>.json, see build.ts), stamped with
// the SHA-256 of the YAML it came from. The JSON is used only while that
// stamp matches the YAML on disk; an edited spec with a stale build, or no
// build at all (tests run src/ through tsx), parses the YAML as before.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAPIV3 } from 'openapi-types';
import type * as Yaml from 'yaml';

/** spec/ of the package, from src/spec (tests) and dist/spec (built) alike. */
export const SPEC_DIR = fileURLToPath(new URL('../../spec/', import.meta.url));

export const CREDITS_SPEC_FILE = `${SPEC_DIR}togai-credits.yaml`;
export const CONTROL_SPEC_FILE = `${SPEC_DIR}togai-mock-control.yaml`;
export const ACCOUNTS_SPEC_FILE = `${SPEC_DIR}togai-accounts.yaml`;

/** Where the build puts the pre-parsed documents: next to this module (dist/spec/ when built). */
export const BUILT_SPEC_DIR = dirname(fileURLToPath(import.meta.url));

/** The pre-parsed form of one spec/*.yaml, as build.ts writes it. */
export interface BuiltSpec {
  /** SHA-256 (hex) of the YAML text the document was parsed from. */
  sourceSha256: string;
  document: OpenAPIV3.Document;
}

const cache = new Map<string, ReadSpec>();

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The pre-parsed JSON of a spec/ document in `builtDir`, e.g. dist/spec/togai-credits.json; undefined for other files.
 */
export function builtSpecFile(file: string, builtDir = BUILT_SPEC_DIR): string | undefined {
  if (dirname(file) !== dirname(CREDITS_SPEC_FILE) || !file.endsWith('.yaml')) return undefined;
  return join(builtDir, `${basename(file, '.yaml')}.json`);
}

/** yaml is loaded only when a document has to be parsed (no build, or a stale one). */
function parseYaml(text: string): unknown {
  const require = createRequire(import.meta.url);
  return (require('yaml') as typeof Yaml).parse(text);
}

/** What build.ts writes for a YAML document. */
export function buildSpec(file: string): BuiltSpec {
  const text = readFileSync(file, 'utf8');
  return { sourceSha256: sha256(text), document: parseYaml(text) as OpenAPIV3.Document };
}

/** The built document when there is one made from exactly the YAML text with this hash. */
function readBuilt(file: string, textSha256: string, builtDir: string): OpenAPIV3.Document | undefined {
  const built = builtSpecFile(file, builtDir);
  if (built === undefined) return undefined;
  let parsed: Partial<BuiltSpec>;
  try {
    parsed = JSON.parse(readFileSync(built, 'utf8')) as Partial<BuiltSpec>;
  } catch {
    return undefined; // not built (or unreadable): the YAML is the source anyway
  }
  return parsed.sourceSha256 === textSha256 ? parsed.document : undefined;
}

export interface ReadSpec {
  document: OpenAPIV3.Document;
  /** Whether the built JSON was used or the YAML parsed. */
  from: 'json' | 'yaml';
  /** SHA-256 (hex) of the YAML text: what anything built from this document is stamped with. */
  sourceSha256: string;
}

/** Reads a document (uncached): the built JSON when it is fresh, else the YAML. */
export function readSpec(file: string, builtDir = BUILT_SPEC_DIR): ReadSpec {
  const text = readFileSync(file, 'utf8');
  const sourceSha256 = sha256(text);
  const built = readBuilt(file, sourceSha256, builtDir);
  const document = (built ?? parseYaml(text)) as OpenAPIV3.Document;
  if (typeof document?.openapi !== 'string' || !document.openapi.startsWith('3.0')) {
    throw new Error(`${file} is not an OpenAPI 3.0 document`);
  }
  return { document, from: built ? 'json' : 'yaml', sourceSha256 };
}

function cached(file: string): ReadSpec {
  let read = cache.get(file);
  if (!read) {
    read = readSpec(file);
    cache.set(file, read);
  }
  return read;
}

/** A document of spec/, read once per process. */
export function loadSpec(file: string): OpenAPIV3.Document {
  return cached(file).document;
}

/** SHA-256 of the YAML text of a document loadSpec read. */
export function specSha256(file: string): string {
  return cached(file).sourceSha256;
}

/** Follows a local `#/...` reference through the document, repeatedly. */
export function deref<T>(doc: OpenAPIV3.Document, value: T | OpenAPIV3.ReferenceObject): T {
  let current: unknown = value;
  for (let hops = 0; isRef(current); hops++) {
    if (hops > 20) throw new Error(`reference loop at ${current.$ref}`);
    current = resolvePointer(doc, current.$ref);
  }
  return current as T;
}

export function isRef(value: unknown): value is OpenAPIV3.ReferenceObject {
  return typeof value === 'object' && value !== null && typeof (value as { $ref?: unknown }).$ref === 'string';
}

export function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(key in node)) throw new Error(`unresolvable reference ${ref}`);
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
