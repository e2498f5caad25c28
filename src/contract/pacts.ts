// Reads pact files (a file, or every *.json under a directory) into one plain
// shape for the verifier's bookkeeping and for check-pacts: the HTTP
// interactions with their provider states, request and expected response.
// Pact specification 2, 3 and 4 files are read; V4 non-HTTP interactions
// (messages) are listed as skipped.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface PactState {
  name: string;
  params: Record<string, unknown>;
}

export interface PactInteraction {
  file: string;
  consumer: string;
  provider: string;
  description: string;
  providerStates: PactState[];
  request: {
    method: string;
    path: string;
    query: Record<string, string[]>;
    headers: Record<string, string[]>;
    body: unknown;
    /** Request parts whose value the provider state injects (Pact generators of type ProviderState). */
    injected: string[];
  };
  response: {
    status: number;
    headers: Record<string, string[]>;
    body: unknown;
  };
}

export interface PactFile {
  file: string;
  consumer: string;
  provider: string;
  interactions: PactInteraction[];
  /** Interactions that are not synchronous HTTP (V4 messages, plugins). */
  skipped: string[];
}

export class PactFileError extends Error {
  override name = 'PactFileError';
}

/** Directories a search for pact files does not enter: dependencies and hidden ones (.git, ...). */
const isSkippedDir = (name: string): boolean => name === 'node_modules' || name.startsWith('.');

/** Every *.json file under `dir`, in its subdirectories too, sorted by path. */
function jsonFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!isSkippedDir(entry.name)) found.push(...jsonFilesUnder(path));
    } else if (entry.name.endsWith('.json')) {
      // A link to a file counts; a link to a directory is not followed (no loops).
      if (entry.isFile() || (entry.isSymbolicLink() && statSync(path, { throwIfNoEntry: false })?.isFile()))
        found.push(path);
    }
  }
  return found;
}

/**
 * The pact files a path names: the file itself, or every *.json file under a
 * directory, however deep (sorted by path), so `verify --pacts contracts`
 * finds contracts/pacts/*.json. node_modules and hidden directories are not
 * searched.
 */
export function pactFilesAt(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new PactFileError(`${path}: no such file or directory`);
  }
  if (!stat.isDirectory()) return [path];
  const files = jsonFilesUnder(path).sort();
  if (files.length === 0) throw new PactFileError(`${path}: no pact files (*.json) in this directory or below it`);
  return files;
}

type Json = Record<string, unknown>;

const asObject = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});

function headerMap(raw: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(asObject(raw))) {
    out[k] = Array.isArray(v)
      ? v.map(String)
      : String(v)
          .split(',')
          .map((s) => s.trim());
  }
  return out;
}

function queryMap(raw: unknown): Record<string, string[]> {
  if (typeof raw === 'string') {
    const out: Record<string, string[]> = {};
    for (const [k, v] of new URLSearchParams(raw)) (out[k] ??= []).push(v);
    return out;
  }
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(asObject(raw))) out[k] = Array.isArray(v) ? v.map(String) : [String(v)];
  return out;
}

/** V4 wraps bodies as {content, contentType, encoded}; V2/V3 store them bare. */
function bodyOf(raw: unknown, v4: boolean): unknown {
  if (!v4) return raw;
  const b = asObject(raw);
  if (!('content' in b)) return undefined;
  if (b.encoded && typeof b.content === 'string') {
    const text = Buffer.from(b.content, 'base64').toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return b.content;
}

function statesOf(i: Json): PactState[] {
  if (Array.isArray(i.providerStates)) {
    return i.providerStates.map((s) => {
      const o = asObject(s);
      return { name: String(o.name), params: asObject(o.params) };
    });
  }
  if (typeof i.providerState === 'string') return [{ name: i.providerState, params: {} }];
  return [];
}

function injectedParts(request: Json): string[] {
  const out: string[] = [];
  for (const [part, gens] of Object.entries(asObject(request.generators))) {
    const g = asObject(gens);
    if (g.type === 'ProviderState') out.push(part);
    else
      for (const [key, sub] of Object.entries(g))
        if (asObject(sub).type === 'ProviderState') out.push(`${part}.${key}`);
  }
  return out;
}

export function readPactFile(file: string): PactFile {
  let doc: Json;
  try {
    doc = asObject(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new PactFileError(
      `${file}: not a readable JSON pact file (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (!Array.isArray(doc.interactions)) throw new PactFileError(`${file}: not a pact file (no "interactions" list)`);
  const consumer = String(asObject(doc.consumer).name ?? '');
  const provider = String(asObject(doc.provider).name ?? '');
  const spec = String(
    asObject(asObject(doc.metadata).pactSpecification).version ??
      asObject(asObject(doc.metadata)['pact-specification']).version ??
      '2',
  );
  const v4 = spec.startsWith('4');
  const pact: PactFile = { file, consumer, provider, interactions: [], skipped: [] };
  for (const raw of doc.interactions) {
    const i = asObject(raw);
    const description = String(i.description ?? '(no description)');
    if (v4 && i.type !== undefined && i.type !== 'Synchronous/HTTP') {
      pact.skipped.push(`${description} (${String(i.type)})`);
      continue;
    }
    const req = asObject(i.request);
    const res = asObject(i.response);
    pact.interactions.push({
      file,
      consumer,
      provider,
      description,
      providerStates: statesOf(i),
      request: {
        method: String(req.method ?? 'GET').toUpperCase(),
        path: String(req.path ?? '/'),
        query: queryMap(req.query),
        headers: headerMap(req.headers),
        body: bodyOf(req.body, v4),
        injected: injectedParts(req),
      },
      response: {
        status: Number(res.status ?? 200),
        headers: headerMap(res.headers),
        body: bodyOf(res.body, v4),
      },
    });
  }
  return pact;
}

/** Every pact file under the given paths, read. */
export function readPacts(paths: string[]): PactFile[] {
  return paths.flatMap(pactFilesAt).map(readPactFile);
}

/** A header's values, whatever the case of its name. */
export function headerValues(headers: Record<string, string[]>, name: string): string[] | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}
