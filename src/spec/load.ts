// Loads the project's OpenAPI documents from spec/ (the single source of
// truth) and resolves the OpenAPI-level $refs (parameters, request bodies,
// responses). Schema $refs are left to ajv.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OpenAPIV3 } from 'openapi-types';
import { parse } from 'yaml';

/** spec/ of the package, from src/spec (tests) and dist/spec (built) alike. */
export const SPEC_DIR = fileURLToPath(new URL('../../spec/', import.meta.url));

export const CREDITS_SPEC_FILE = `${SPEC_DIR}togai-credits.yaml`;
export const CONTROL_SPEC_FILE = `${SPEC_DIR}togai-mock-control.yaml`;

const cache = new Map<string, OpenAPIV3.Document>();

export function loadSpec(file: string): OpenAPIV3.Document {
  let doc = cache.get(file);
  if (!doc) {
    doc = parse(readFileSync(file, 'utf8')) as OpenAPIV3.Document;
    if (typeof doc?.openapi !== 'string' || !doc.openapi.startsWith('3.0')) {
      throw new Error(`${file} is not an OpenAPI 3.0 document`);
    }
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
