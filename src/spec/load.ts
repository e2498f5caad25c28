// Loads the project's OpenAPI documents from spec/ (the single source of
// truth) and resolves the OpenAPI-level $refs (parameters, request bodies,
// responses). Schema $refs are left to ajv.
//
// The YAML stays the only source. Parsing it took a sixth of the start-up
// (issue 6), so `npm run build` also writes each document as JSON next to
// the built loader (dist/spec/<name>.json, see build-json.ts), stamped with
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

/** Where the build puts the pre-parsed documents: next to this module (dist/spec/ when built). */
export const BUILT_SPEC_DIR = dirname(fileURLToPath(import.meta.url));

/** The pre-parsed form of one spec/*.yaml, as build-json.ts writes it. */
export interface BuiltSpec {
  /** SHA-256 (hex) of the YAML text the document was parsed from. */
  sourceSha256: string;
  document: OpenAPIV3.Document;
}

const cache = new Map<string, OpenAPIV3.Document>();

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The pre-parsed JSON of a spec/ document in `builtDir`, e.g. dist/spec/togai-credits.json; undefined for other files. */
export function builtSpecFile(file: string, builtDir = BUILT_SPEC_DIR): string | undefined {
  if (dirname(file) !== dirname(CREDITS_SPEC_FILE) || !file.endsWith('.yaml')) return undefined;
  return join(builtDir, `${basename(file, '.yaml')}.json`);
}

/** yaml is loaded only when a document has to be parsed (no build, or a stale one). */
function parseYaml(text: string): unknown {
  const require = createRequire(import.meta.url);
  return (require('yaml') as typeof Yaml).parse(text);
}

/** What build-json.ts writes for a YAML document. */
export function buildSpec(file: string): BuiltSpec {
  const text = readFileSync(file, 'utf8');
  return { sourceSha256: sha256(text), document: parseYaml(text) as OpenAPIV3.Document };
}

/** The built document when there is one made from exactly `text`. */
function readBuilt(file: string, text: string, builtDir: string): OpenAPIV3.Document | undefined {
  const built = builtSpecFile(file, builtDir);
  if (built === undefined) return undefined;
  let parsed: Partial<BuiltSpec>;
  try {
    parsed = JSON.parse(readFileSync(built, 'utf8')) as Partial<BuiltSpec>;
  } catch {
    return undefined; // not built (or unreadable): the YAML is the source anyway
  }
  return parsed.sourceSha256 === sha256(text) ? parsed.document : undefined;
}

/** Reads a document (uncached): the built JSON when it is fresh, else the YAML; `from` says which. */
export function readSpec(file: string, builtDir = BUILT_SPEC_DIR): { document: OpenAPIV3.Document; from: 'json' | 'yaml' } {
  const text = readFileSync(file, 'utf8');
  const built = readBuilt(file, text, builtDir);
  const document = (built ?? parseYaml(text)) as OpenAPIV3.Document;
  if (typeof document?.openapi !== 'string' || !document.openapi.startsWith('3.0')) {
    throw new Error(`${file} is not an OpenAPI 3.0 document`);
  }
  return { document, from: built ? 'json' : 'yaml' };
}

/** A document of spec/, read once per process. */
export function loadSpec(file: string): OpenAPIV3.Document {
  let doc = cache.get(file);
  if (!doc) {
    doc = readSpec(file).document;
    cache.set(file, doc);
  }
  return doc;
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
