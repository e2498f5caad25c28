// The request journal's storage: a bounded ring of what clients sent to the
// Togai API and what they got back (GET /_mock/requests). Oldest entries fall
// out, bodies are clipped, and a tenant is shown by its key (`shared` or a
// hash), never by the credential. Recording keeps raw texts (cheap, on every
// request); the JournalEntry shapes of the control spec are made when the
// journal is read. What gets recorded, and when, is the HTTP layer's business
// (http/journal-recorder.ts).

import type { components } from '../spec/control-types.gen.js';
import { pathMatches } from '../spec/paths.js';

/** Bodies longer than this (as JSON text) are stored clipped, as a string. */
export const BODY_CLIP = 16 * 1024;

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

/**
 * The journal as the HTTP layer and the control API use it: this process's
 * ring (Journal, below) or one shared by replicas (shared/request-journal.ts).
 * record() never fails and never waits: the response it describes is sent.
 */
export interface RequestJournal {
  /** How many entries are kept; 0 records nothing. */
  readonly limit: number;
  record(request: RecordedRequest): void;
  /** The newest `filter.limit` matching entries, oldest first. */
  list(filter: JournalFilter, templates?: (entry: JournalEntry) => string | undefined): JournalEntry[] | Promise<JournalEntry[]>;
  /** Forgets everything, or only one tenant's entries. */
  clear(tenant?: string): void | Promise<void>;
}

/** Whether an entry passes a filter's method, operationId, tenant and path (not `after` or `limit`). */
export function entryMatcher(filter: JournalFilter, templates?: (entry: JournalEntry) => string | undefined): (e: JournalEntry) => boolean {
  const method = filter.method?.toUpperCase();
  return (e) =>
    (method === undefined || e.method === method) &&
    (filter.operationId === undefined || e.operationId === filter.operationId) &&
    (filter.tenant === undefined || e.tenant === filter.tenant) &&
    (filter.path === undefined || pathMatches(filter.path, e.path, templates?.(e)));
}

/** The journal entry of a request, without its id (given by the store that keeps it). */
export function entryOf(request: RecordedRequest): Omit<JournalEntry, 'id'> {
  const { id: _id, ...entry } = viewOf({ ...request, id: 0 });
  return entry;
}

export class Journal implements RequestJournal {
  /** A ring of at most `limit` entries: `ring[(head + i) % limit]` is the i-th oldest. */
  private ring: Stored[] = [];
  private head = 0;
  private nextId = 1;

  /** `limit` 0 keeps nothing (the recorder then records nothing either). */
  constructor(readonly limit: number) {}

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
