// The request journal: what clients sent to the Togai API and what they got
// back (GET /_mock/requests), kept in a bounded JournalStore (services/types.ts:
// this process's ring, or a store several processes share). Oldest entries
// fall out, bodies are clipped, and a tenant is shown by its key (`shared` or
// a hash), never by the credential. Recording keeps raw texts (cheap, on
// every request); the JournalEntry shapes of the control spec are made when
// the journal is read. What gets recorded, and when, is the HTTP layer's
// business (http/journal-recorder.ts).

import type { components } from '../../spec/control-types.gen.js';
import { pathMatches } from '../../spec/paths.js';
import { ByteRing, sliceBytes, type RingSlice } from './byte-ring.js';
import { MemoryJournalStore } from './memory-journal.js';
import type { JournalRecord, JournalStore, MaybePromise } from './types.js';

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

/** A recorded request with the view made of it once somebody read it. */
interface Stored extends RecordedRequest {
  /** The response bytes, copied into this process's ring (byte-ring.ts) instead of kept as sent. */
  responseSlice?: RingSlice | undefined;
  view?: JournalEntry;
}

/** A path template by an entry's operationId, for `path` filters. */
export type TemplateOf = (entry: { operationId?: string | undefined }) => string | undefined;

/**
 * The journal as the HTTP layer and the control API use it: Journal (below)
 * over this process's ring, or SharedJournal (services/request-journal.ts) over
 * a store that replicas share.
 */
export interface RequestJournal {
  /** How many entries are kept; 0 records nothing. */
  readonly limit: number;
  /**
   * Records one request. Once it has returned (or its promise has resolved)
   * every reader of the journal lists the entry: the answer it describes is
   * sent only then. Never throws or rejects: answers the error when the entry
   * could not be stored (a store that replicas share, unreachable).
   */
  record(request: RecordedRequest): MaybePromise<Error | undefined>;
  /** The newest `filter.limit` matching entries, oldest first. */
  list(filter: JournalFilter, templates?: TemplateOf): MaybePromise<JournalEntry[]>;
  /** Forgets everything, or only one tenant's entries. */
  clear(tenant?: string): MaybePromise<void>;
}

/** Whether an entry passes a filter's method, operationId, tenant and path (not `after` or `limit`). */
export function entryMatcher(
  filter: JournalFilter,
  templates?: TemplateOf,
): (e: Pick<JournalEntry, 'method' | 'path' | 'operationId' | 'tenant'>) => boolean {
  const method = filter.method?.toUpperCase();
  // operationIds are matched case-insensitively: Togai's own mix camelCase and PascalCase.
  const operationId = filter.operationId?.toLowerCase();
  return (e) =>
    (method === undefined || e.method === method) &&
    (operationId === undefined || e.operationId?.toLowerCase() === operationId) &&
    (filter.tenant === undefined || e.tenant === filter.tenant) &&
    (filter.path === undefined || pathMatches(filter.path, e.path, templates?.(e)));
}

/** The journal entry of a request, as plain JSON and without its id (given by the store that keeps it). */
export function entryOf(request: RecordedRequest): Omit<JournalEntry, 'id'> {
  const { id: _id, ...entry } = viewOf({ ...request }, 0);
  return entry;
}

export class Journal implements RequestJournal {
  private readonly store: JournalStore<Stored>;
  /** With this process's ring: where the newest entries' response bytes are kept (it holds the same entries). */
  private readonly bytes: ByteRing | undefined;

  /** `limit` 0 keeps nothing (the recorder then records nothing either). Default storage: this process's ring. */
  constructor(limit: number, store?: JournalStore<RecordedRequest>) {
    this.store = (store as JournalStore<Stored> | undefined) ?? new MemoryJournalStore<Stored>(limit);
    this.bytes = store === undefined && limit > 0 ? new ByteRing(limit) : undefined;
  }

  get limit(): number {
    return this.store.limit;
  }

  record(request: RecordedRequest): MaybePromise<Error | undefined> {
    if (this.bytes !== undefined && request.responseBytes !== undefined) {
      const stored: Stored = request;
      const slice = this.bytes.put(request.responseBytes);
      // Past the ring's largest buffer the entry keeps its own bytes, as sent.
      if (slice !== undefined) {
        stored.responseSlice = slice;
        stored.responseBytes = undefined;
      }
    }
    return this.store.add(request);
  }

  /** The newest `limit` entries matching the filter, oldest first. */
  list(filter: JournalFilter, templates?: TemplateOf): MaybePromise<JournalEntry[]> {
    const match = entryMatcher(filter, templates);
    const records = this.store.list({ limit: filter.limit, after: filter.after, match });
    const views = (rs: Array<JournalRecord<Stored>>): JournalEntry[] => rs.map((r) => viewOf(r.entry, r.id));
    return records instanceof Promise ? records.then(views) : views(records);
  }

  /** Forgets everything, or only one tenant's entries. */
  clear(tenant?: string): MaybePromise<void> {
    // The ring starts a new buffer: the entries still kept (another tenant's) keep their slices in the
    // old one, which is never written again (the ring's count of the last entries no longer matches the store's).
    this.bytes?.clear();
    return this.store.clear(tenant === undefined ? undefined : (e) => e.tenant === tenant);
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

/** The JournalEntry of the control spec for a stored request (its id is the store's), made once. */
function viewOf(e: Stored, id: number): JournalEntry {
  if (e.view) return e.view;
  const entry: JournalEntry = {
    id,
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
  const request =
    e.requestText !== undefined && e.requestText !== ''
      ? clipText(e.requestText)
      : e.requestValue !== undefined
        ? clipValue(e.requestValue)
        : undefined;
  if (request) {
    entry.requestBody = request.body;
    truncated ||= request.truncated;
  }
  const bytes = e.responseBytes ?? (e.responseSlice && sliceBytes(e.responseSlice));
  const responseText = e.responseText ?? bytes?.toString('utf8');
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
  e.requestText = e.responseText = e.responseBytes = e.responseSlice = undefined;
  e.requestValue = undefined;
  e.view = entry;
  return entry;
}
