// The request journal: what clients sent to the Togai API and what they got
// back, so a test can assert on its own outgoing calls (GET /_mock/requests).
//
// Only Togai API traffic is recorded, not /_mock calls: a test (or the
// dashboard polling the journal) would otherwise drown the client's requests
// in its own. The journal is a bounded ring (oldest entries fall out), bodies
// are clipped, and a tenant is shown by its key (`shared` or a hash), never by
// the credential. Recording is cheap (raw texts kept); the shapes of
// GET /_mock/requests are made when it is read.

import type { Express, Request, Response } from 'express';
import type { MockRuntime } from '../runtime.js';
import type { components } from '../spec/control-types.gen.js';

/** Bodies longer than this (as JSON text) are stored clipped, as a string. */
export const BODY_CLIP = 16 * 1024;
export const DEFAULT_JOURNAL_LIMIT = 1000;

/** One recorded request: the JournalEntry schema of spec/togai-mock-control.yaml. */
export type JournalEntry = components['schemas']['JournalEntry'];

export interface JournalFilter {
  method?: string | undefined;
  path?: string | undefined;
  operationId?: string | undefined;
  tenant?: string | undefined;
  after?: number | undefined;
  limit: number;
}

/**
 * Whether `pattern` names the request path `path` (or its OpenAPI template
 * `template`): equal, or equal with `*` standing for any characters.
 */
export function pathMatches(pattern: string, path: string, template?: string): boolean {
  if (pattern === path || (template !== undefined && pattern === template)) return true;
  if (!pattern.includes('*')) return false;
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return re.test(path);
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What the recorder keeps per request: raw fields only. Bodies stay as the
 * text that went over the wire; parsing, clipping and the ISO time are done
 * when somebody reads the journal (and then cached), not on every request.
 */
export interface RecordedRequest {
  arrived: number;
  method: string;
  path: string;
  status: number;
  latencyMs: number;
  tenant: string | null;
  query?: string | undefined;
  operationId?: string | undefined;
  fault?: string | undefined;
  /** The request body as text, when the mock read it itself. */
  requestText?: string | undefined;
  /** The request body as a value, when another reader parsed it (the fallback). */
  requestValue?: unknown;
  /** The response body as sent: text (Express's res.send) or the bytes written. */
  responseText?: string | undefined;
  responseBytes?: Buffer | undefined;
}

interface Stored extends RecordedRequest {
  id: number;
  view?: JournalEntry;
}

export class Journal {
  /** A ring of at most `limit` entries: `ring[(head + i) % limit]` is the i-th oldest. */
  private ring: Stored[] = [];
  private head = 0;
  private nextId = 1;

  constructor(readonly limit: number = DEFAULT_JOURNAL_LIMIT) {}

  record(request: RecordedRequest): void {
    const entry: Stored = request as Stored;
    entry.id = this.nextId++;
    if (this.limit <= 0) return;
    if (this.ring.length < this.limit) this.ring.push(entry);
    else {
      this.ring[this.head] = entry;
      this.head = (this.head + 1) % this.limit;
    }
  }

  private at(i: number): Stored {
    return this.ring[(this.head + i) % this.ring.length]!;
  }

  /** The newest `limit` entries matching the filter, oldest first. */
  list(filter: JournalFilter, templates?: (entry: JournalEntry) => string | undefined): JournalEntry[] {
    const method = filter.method?.toUpperCase();
    const out: JournalEntry[] = [];
    for (let i = this.ring.length - 1; i >= 0 && out.length < filter.limit; i--) {
      const e = this.at(i);
      if (filter.after !== undefined && e.id <= filter.after) break;
      if (method !== undefined && e.method !== method) continue;
      if (filter.operationId !== undefined && e.operationId !== filter.operationId) continue;
      if (filter.tenant !== undefined && e.tenant !== filter.tenant) continue;
      if (filter.path !== undefined && !pathMatches(filter.path, e.path, templates?.(viewOf(e)))) continue;
      out.push(viewOf(e));
    }
    return out.reverse();
  }

  /** Forgets everything, or only one tenant's entries. */
  clear(tenant?: string): void {
    const kept: Stored[] = [];
    if (tenant !== undefined) for (let i = 0; i < this.ring.length; i++) if (this.at(i).tenant !== tenant) kept.push(this.at(i));
    this.ring = kept;
    this.head = 0;
  }

  get size(): number {
    return this.ring.length;
  }
}

/** A body as stored: the JSON value, or its text clipped to BODY_CLIP. */
function clipValue(value: unknown): { body: unknown; truncated: boolean } {
  let text: string;
  try {
    text = JSON.stringify(value) ?? '';
  } catch {
    return { body: String(value).slice(0, BODY_CLIP), truncated: false };
  }
  if (text.length <= BODY_CLIP) return { body: value, truncated: false };
  return { body: text.slice(0, BODY_CLIP), truncated: true };
}

/** A body as sent: parsed JSON when it is JSON and short enough, else the (clipped) text. */
function clipText(text: string): { body: unknown; truncated: boolean } {
  if (text.length > BODY_CLIP) return { body: text.slice(0, BODY_CLIP), truncated: true };
  try {
    return { body: JSON.parse(text) as unknown, truncated: false };
  } catch {
    return { body: text, truncated: false };
  }
}

/** The JournalEntry of the control spec for a stored request, made once. */
function viewOf(e: Stored): JournalEntry {
  if (e.view) return e.view;
  const entry: JournalEntry = {
    id: e.id,
    time: new Date(e.arrived).toISOString(),
    method: e.method,
    path: e.path,
    status: e.status,
    latencyMs: e.latencyMs,
    tenant: e.tenant,
  };
  if (e.query !== undefined) entry.query = e.query;
  if (e.operationId !== undefined) entry.operationId = e.operationId;
  let truncated = false;
  const request = e.requestText !== undefined && e.requestText !== '' ? clipText(e.requestText) : e.requestValue !== undefined ? clipValue(e.requestValue) : undefined;
  if (request) {
    entry.requestBody = request.body;
    truncated ||= request.truncated;
  }
  const responseText = e.responseText ?? e.responseBytes?.toString('utf8');
  if (responseText !== undefined && responseText !== '') {
    const c = clipText(responseText);
    entry.responseBody = c.body;
    truncated ||= c.truncated;
    if (e.status >= 400) {
      const message = (c.body as { message?: unknown } | null)?.message;
      if (typeof message === 'string') entry.error = message;
    }
  }
  if (truncated) entry.truncated = true;
  if (e.fault !== undefined) entry.fault = e.fault;
  // The raw texts are no longer needed once the view exists.
  e.requestText = e.responseText = e.responseBytes = undefined;
  e.requestValue = undefined;
  e.view = entry;
  return entry;
}

const SENT = Symbol('togai-mock response text');
const SENT_BYTES = Symbol('togai-mock response bytes');
const READ = Symbol('togai-mock request text');

/**
 * Notes live in Express's res.locals (a dictionary made per request):
 * adding properties to the request and response objects themselves would
 * change their shapes and slow Node's own code that handles them.
 */
type Notes = { [SENT]?: string; [SENT_BYTES]?: Buffer; [READ]?: string };
const notesOf = (res: object): Notes | undefined => (res as { locals?: Notes }).locals;

/** Notes the text of a response body for the journal (responses sent through res.send). */
export function noteResponseText(res: object, text: string): void {
  const notes = notesOf(res);
  if (notes) notes[SENT] = text;
}

/**
 * Notes the bytes of a response body for the journal; every JSON answer of
 * the mock passes here. Bytes rather than text: a Buffer's contents live
 * outside the JS heap, so the garbage collector does not copy the last
 * thousand responses from one space to the next as it does strings.
 */
export function noteResponseBytes(res: object, bytes: Buffer): void {
  const notes = notesOf(res);
  if (notes) notes[SENT_BYTES] = bytes;
}

/** Notes the text of a request body the mock read itself, for the journal. */
export function noteRequestText(req: object, text: string): void {
  const res = (req as { res?: object }).res;
  const notes = res && notesOf(res);
  if (notes) notes[READ] = text;
}

/**
 * Records every request outside /_mock once its response is finished: called
 * by the request log for each request (one Express layer for both). Responses
 * sent through Express's res.send (the fallback, anything not going through
 * noteResponseText) are caught by one override on this app's response
 * prototype, not by a wrapper made per request.
 */
export function journalRecorder(runtime: MockRuntime, app: Express): (req: Request, res: Response) => void {
  const journal = runtime.journal;
  const send = app.response.send;
  app.response.send = function (this: Response, chunk?: unknown) {
    if (typeof chunk === 'string') noteResponseText(this, chunk);
    else if (Buffer.isBuffer(chunk)) noteResponseText(this, chunk.toString('utf8'));
    return send.call(this, chunk);
  } as Response['send'];

  return (req, res) => {
    const path = req.path;
    if (journal.limit <= 0 || path === '/_mock' || path.startsWith('/_mock/')) return;
    const arrived = Date.now();
    const started = performance.now();
    const url = req.originalUrl;
    const qIndex = url.indexOf('?');
    res.on('finish', () => {
      const locals = res.locals;
      const noted = locals as Notes;
      journal.record({
        arrived,
        method: req.method,
        path,
        status: res.statusCode,
        latencyMs: performance.now() - started,
        tenant: typeof locals.tenantKey === 'string' ? locals.tenantKey : null,
        query: qIndex >= 0 && qIndex < url.length - 1 ? url.slice(qIndex + 1, qIndex + 2001) : undefined,
        operationId: typeof locals.operationId === 'string' ? locals.operationId : undefined,
        fault: typeof locals.fault === 'string' ? locals.fault : undefined,
        requestText: noted[READ] !== undefined ? noted[READ].slice(0, BODY_CLIP + 1) : undefined,
        requestValue: noted[READ] === undefined ? req.body : undefined,
        responseText: noted[SENT]?.slice(0, BODY_CLIP + 1),
        // Clipped by bytes here (a character cut in two decodes as U+FFFD); viewOf clips the decoded text.
        responseBytes: noted[SENT_BYTES]?.subarray(0, 4 * BODY_CLIP + 4),
      });
    });
  };
}
