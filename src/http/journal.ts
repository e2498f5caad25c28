// The request journal: what clients sent to the Togai API and what they got
// back, so a test can assert on its own outgoing calls (GET /_mock/requests).
//
// Only Togai API traffic is recorded, not /_mock calls: a test (or the
// dashboard polling the journal) would otherwise drown the client's requests
// in its own. The journal is a bounded ring (oldest entries fall out), bodies
// are clipped, and a tenant is shown by its key (`shared` or a hash), never by
// the credential.

import type { RequestHandler } from 'express';
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

export class Journal {
  private entries: JournalEntry[] = [];
  private nextId = 1;

  constructor(readonly limit: number = DEFAULT_JOURNAL_LIMIT) {}

  record(entry: Omit<JournalEntry, 'id'>): JournalEntry {
    const full = { id: this.nextId++, ...entry };
    if (this.limit <= 0) return full;
    this.entries.push(full);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    return full;
  }

  /** The newest `limit` entries matching the filter, oldest first. */
  list(filter: JournalFilter, templates?: (entry: JournalEntry) => string | undefined): JournalEntry[] {
    const method = filter.method?.toUpperCase();
    const out: JournalEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < filter.limit; i--) {
      const e = this.entries[i]!;
      if (filter.after !== undefined && e.id <= filter.after) break;
      if (method !== undefined && e.method !== method) continue;
      if (filter.operationId !== undefined && e.operationId !== filter.operationId) continue;
      if (filter.tenant !== undefined && e.tenant !== filter.tenant) continue;
      if (filter.path !== undefined && !pathMatches(filter.path, e.path, templates?.(e))) continue;
      out.push(e);
    }
    return out.reverse();
  }

  /** Forgets everything, or only one tenant's entries. */
  clear(tenant?: string): void {
    this.entries = tenant === undefined ? [] : this.entries.filter((e) => e.tenant !== tenant);
  }

  get size(): number {
    return this.entries.length;
  }
}

/** A body as stored: the JSON value, or its text clipped to BODY_CLIP. */
function clipBody(value: unknown): { body: unknown; truncated: boolean } {
  let text: string;
  try {
    text = JSON.stringify(value) ?? '';
  } catch {
    return { body: String(value).slice(0, BODY_CLIP), truncated: false };
  }
  if (text.length <= BODY_CLIP) return { body: value, truncated: false };
  return { body: text.slice(0, BODY_CLIP), truncated: true };
}

/** A response as sent: parsed JSON when it is JSON and short enough, else clipped text. */
function clipResponse(text: string): { body: unknown; truncated: boolean } {
  if (text.length > BODY_CLIP) return { body: text.slice(0, BODY_CLIP), truncated: true };
  try {
    return { body: JSON.parse(text) as unknown, truncated: false };
  } catch {
    return { body: text, truncated: false };
  }
}

/**
 * Records every request outside /_mock once its response is finished. The
 * response body is taken from res.send (every JSON response passes there).
 */
export function journalRecorder(runtime: MockRuntime): RequestHandler {
  const journal = runtime.journal;
  return (req, res, next) => {
    if (req.path === '/_mock' || req.path.startsWith('/_mock/') || journal.limit <= 0) {
      next();
      return;
    }
    const arrived = Date.now();
    const started = process.hrtime.bigint();
    const path = req.path;
    const qIndex = req.originalUrl.indexOf('?');
    const query = qIndex >= 0 ? req.originalUrl.slice(qIndex + 1) : '';
    let sent: string | undefined;
    const send = res.send;
    res.send = function (this: typeof res, chunk?: unknown) {
      if (typeof chunk === 'string') sent = chunk;
      else if (Buffer.isBuffer(chunk)) sent = chunk.toString('utf8');
      return send.call(this, chunk);
    } as typeof res.send;
    res.on('finish', () => {
      const entry: Omit<JournalEntry, 'id'> = {
        time: new Date(arrived).toISOString(),
        method: req.method,
        path,
        status: res.statusCode,
        latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
        tenant: typeof res.locals.tenantKey === 'string' ? res.locals.tenantKey : null,
      };
      if (query !== '') entry.query = query.slice(0, 2000);
      if (typeof res.locals.operationId === 'string') entry.operationId = res.locals.operationId;
      let truncated = false;
      const requestBody = req.body !== undefined ? req.body : res.locals.journalBody;
      if (requestBody !== undefined) {
        const c = clipBody(requestBody);
        entry.requestBody = c.body;
        truncated ||= c.truncated;
      }
      if (sent !== undefined && sent !== '') {
        const c = clipResponse(sent);
        entry.responseBody = c.body;
        truncated ||= c.truncated;
        if (res.statusCode >= 400) {
          const message = (c.body as { message?: unknown } | null)?.message;
          if (typeof message === 'string') entry.error = message;
        }
      }
      if (truncated) entry.truncated = true;
      if (typeof res.locals.fault === 'string') entry.fault = res.locals.fault;
      journal.record(entry);
    });
    next();
  };
}
