// The request journal kept in a JournalStore that several replicas share
// (Redis): GET /_mock/requests and the dashboard then show what every
// replica answered, in one order, each entry naming its replica.
//
// An entry leaves the process on the request's path (the answer waits for
// it), so it is kept small and cheap to make: the short fields as one small
// JSON text, the bodies as the text or bytes that went over the wire, clipped
// to what the journal shows (BODY_CLIP) but not parsed. Parsing, clipping and
// the ISO time are done when somebody reads the journal, as in the memory
// journal (services/journal.ts), so both show the same entries.

import { isAscii } from 'node:buffer';
import {
  BODY_CLIP,
  entryMatcher,
  entryOf,
  type JournalEntry,
  type JournalFilter,
  type RecordedRequest,
  type RequestJournal,
  type TemplateOf,
} from './journal.js';
import type { JournalRecord, JournalStore, StoredFields } from './types.js';

/** The short fields of an entry, stored as one JSON text. */
type Meta = Pick<
  RecordedRequest,
  'arrived' | 'method' | 'path' | 'status' | 'latencyMs' | 'tenant' | 'query' | 'operationId' | 'fault'
>;

/** An entry as the shared store keeps it. */
export interface SharedFields extends StoredFields {
  /** Meta as JSON. */
  m?: string;
  /** The request body's text, clipped. */
  q?: string;
  /** The response body's text or bytes, clipped. */
  b?: string | Buffer;
  /** A whole JournalEntry as JSON: how an earlier version stored entries (read, never written). */
  e?: string;
}

/** Bodies are stored with one code unit more than the journal shows, so a reader knows they were clipped. */
const KEPT = BODY_CLIP + 1;

/**
 * The first bytes of UTF-8 `bytes` that hold `units` UTF-16 code units
 * (whole characters: a pair's second half comes along), or all of them.
 */
export function utf8Prefix(bytes: Buffer, units: number): Buffer {
  if (bytes.length <= units) return bytes;
  // Most answers are ASCII: one byte per code unit.
  if (isAscii(bytes.subarray(0, units))) return bytes.subarray(0, units);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte
    if (n >= units) return bytes.subarray(0, i);
    n += b >= 0xf0 ? 2 : 1;
  }
  return bytes;
}

/** The stored form of a recorded request. */
export function fieldsOf(request: RecordedRequest): SharedFields {
  const meta: Meta = {
    arrived: request.arrived,
    method: request.method,
    path: request.path,
    status: request.status,
    latencyMs: request.latencyMs,
    tenant: request.tenant,
    query: request.query,
    operationId: request.operationId,
    fault: request.fault,
  };
  const fields: SharedFields = { m: JSON.stringify(meta) };
  if (request.requestText !== undefined) fields.q = request.requestText.slice(0, KEPT);
  else if (request.requestValue !== undefined) {
    // A body another reader parsed: its JSON text reads back as the same value.
    let text: string;
    try {
      text = JSON.stringify(request.requestValue) ?? '';
    } catch {
      text = String(request.requestValue);
    }
    fields.q = text.slice(0, KEPT);
  }
  if (request.responseText !== undefined) fields.b = request.responseText.slice(0, KEPT);
  else if (request.responseBytes !== undefined) fields.b = utf8Prefix(request.responseBytes, KEPT);
  return fields;
}

type Stored =
  { meta: Meta; request?: string | undefined; response?: string | undefined } | { whole: Omit<JournalEntry, 'id'> };

/** What a stored entry holds (undefined when it cannot be read: not shown). */
function storedOf(f: SharedFields): Stored | undefined {
  try {
    if (f.m !== undefined)
      return { meta: JSON.parse(String(f.m)) as Meta, request: f.q?.toString(), response: f.b?.toString() };
    if (f.e !== undefined) return { whole: JSON.parse(String(f.e)) as Omit<JournalEntry, 'id'> };
  } catch {
    // Not ours.
  }
  return undefined;
}

export class SharedJournal implements RequestJournal {
  constructor(private readonly store: JournalStore<SharedFields>) {}

  get limit(): number {
    return this.store.limit;
  }

  /** Resolves once every replica lists the entry, or with the error when it could not be stored. */
  record(request: RecordedRequest): Promise<Error | undefined> | undefined {
    if (this.store.limit <= 0) return undefined;
    const added = this.store.add(fieldsOf(request));
    return added instanceof Promise ? added : Promise.resolve(added);
  }

  async list(filter: JournalFilter, templates?: TemplateOf): Promise<JournalEntry[]> {
    const match = entryMatcher(filter, templates);
    // Each entry is read once: the filter sees it, and the listed ones are made into views from it.
    const read = new WeakMap<SharedFields, Stored | undefined>();
    const stored = (f: SharedFields): Stored | undefined => {
      if (!read.has(f)) read.set(f, storedOf(f));
      return read.get(f);
    };
    const records = await this.store.list({
      limit: filter.limit,
      after: filter.after,
      match: (f) => {
        const s = stored(f);
        return s !== undefined && match('whole' in s ? s.whole : s.meta);
      },
    });
    return records.map((r) => view(r, stored(r.entry)!));
  }

  async clear(tenant?: string): Promise<void> {
    await this.store.clear(
      tenant === undefined
        ? undefined
        : (f) => {
            const s = storedOf(f);
            return s !== undefined && ('whole' in s ? s.whole.tenant : s.meta.tenant) === tenant;
          },
    );
  }
}

function view(record: JournalRecord<SharedFields>, s: Stored): JournalEntry {
  if ('whole' in s) return { ...s.whole, id: record.id, replica: record.replica };
  return {
    ...entryOf({ ...s.meta, requestText: s.request, responseText: s.response }),
    id: record.id,
    replica: record.replica,
  };
}
