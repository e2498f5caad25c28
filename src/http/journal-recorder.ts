// Records the Togai API's traffic into the request journal (store/services/journal.ts)
// so a test can assert on its own outgoing calls (GET /_mock/requests).
//
// Only Togai API traffic is recorded, not /_mock calls: a test (or the
// dashboard polling the journal) would otherwise drown the client's requests
// in its own. The stages that read or write bodies note the raw texts here
// (noteRequestText, noteResponseBytes) in the request's scope (request-scope.ts).
//
// The entry is recorded before the answer is sent (read-your-writes): when a
// client has its answer, GET /_mock/requests on this process or on any other
// replica lists it. Every answer leaves through res.end(), so the recorder
// hooks there: it records, and with a journal that replicas share (Redis) it
// holds the end of the answer until the entry is stored. Entries of one turn
// of the event loop are stored together, so the wait is one round trip shared
// by every answer of that turn. When the entry cannot be stored the answer is
// replaced by a 503 that says so (a change the request made is kept).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, Response } from 'express';
import { BODY_CLIP, type RecordedRequest, type RequestJournal } from '../store/services/journal.js';
import type { RequestObserver } from './request-log.js';
import { findScope, findScopeOfResponse, type JournalPending, type RequestScope } from './request-scope.js';

/** Notes the text of a response body for the journal (responses sent through res.send). */
export function noteResponseText(res: ServerResponse, text: string): void {
  const scope = findScopeOfResponse(res);
  if (scope) scope.responseText = text;
}

/**
 * Notes the bytes of a response body for the journal; every JSON answer of
 * the mock passes here. Bytes rather than text: a Buffer's contents live
 * outside the JS heap, so the garbage collector does not copy the last
 * thousand responses from one space to the next as it does strings.
 */
export function noteResponseBytes(res: ServerResponse, bytes: Buffer): void {
  const scope = findScopeOfResponse(res);
  if (scope) scope.responseBytes = bytes;
}

/** Notes the text of a request body the mock read itself, for the journal. */
export function noteRequestText(req: IncomingMessage, text: string): void {
  const scope = findScope(req);
  if (scope) scope.requestText = text;
}

/** Togai documents messages of at most 500 characters (as http/errors.ts clips them). */
const MAX_MESSAGE = 500;

type End = (this: Response, ...args: unknown[]) => Response;

/**
 * Records every request outside /_mock as its answer ends: called by the
 * request log for each request (one Express layer for both), it marks the
 * request; one override of res.end on this app's response prototype (not a
 * wrapper made per request) records the entry and then lets the answer go.
 * Responses sent through Express's res.send (the fallback, anything not going
 * through noteResponseText) have their text noted by a second override.
 */
export function journalRecorder(journal: RequestJournal, app: Express): RequestObserver {
  const send = app.response.send;
  app.response.send = function (this: Response, chunk?: unknown) {
    if (typeof chunk === 'string') noteResponseText(this, chunk);
    else if (Buffer.isBuffer(chunk)) noteResponseText(this, chunk.toString('utf8'));
    return send.call(this, chunk);
  } as Response['send'];

  const end = app.response.end as unknown as End;
  app.response.end = function (this: Response, ...args: unknown[]) {
    const scope = findScopeOfResponse(this);
    if (scope === undefined) return end.apply(this, args);
    if (scope.journalWaiting !== 0) {
      // Ended already, waiting for the entry (its head is not sent yet, so a late error handler may try again).
      scope.journalWaiting = 2;
      return this;
    }
    const pending = scope.journalPending;
    if (pending === undefined) return end.apply(this, args);
    // Once: a second end() (Node ignores it) must not record again.
    scope.journalPending = undefined;
    const recorded = journal.record(entryOf(pending, this, scope));
    if (!(recorded instanceof Promise)) return end.apply(this, args);
    scope.journalWaiting = 1;
    // The answer as it is now is the one recorded: what a second end() changed meanwhile is put back.
    const status = this.statusCode;
    const headers = this.getHeaders();
    const finish = (error: Error | undefined): void => {
      if (scope.journalWaiting === 2) restore(this, status, headers);
      scope.journalWaiting = 0;
      if (error === undefined) end.apply(this, args);
      else withhold(this, end, args, error);
    };
    recorded.then(finish, (error: unknown) => finish(error as Error));
    return this;
  } as Response['end'];

  return (req, _res, scope) => {
    const path = req.path;
    if (journal.limit <= 0 || path === '/_mock' || path.startsWith('/_mock/')) return;
    scope.journalPending = { arrived: Date.now(), started: performance.now(), path };
  };
}

/** The journal entry of a request whose answer is ending now. */
function entryOf(pending: JournalPending, res: Response, scope: RequestScope): RecordedRequest {
  const req = res.req;
  const url = req.originalUrl;
  const qIndex = url.indexOf('?');
  return {
    arrived: pending.arrived,
    method: req.method,
    path: pending.path,
    status: res.statusCode,
    // The time to make the answer: the journal's own write, which comes after, is not in it.
    latencyMs: performance.now() - pending.started,
    tenant: scope.tenantKey ?? null,
    query: qIndex >= 0 && qIndex < url.length - 1 ? url.slice(qIndex + 1, qIndex + 2001) : undefined,
    operationId: scope.operationId,
    fault: scope.fault,
    requestText:
      scope.requestText !== undefined ? withoutPasswords(scope.requestText.slice(0, BODY_CLIP + 1)) : undefined,
    requestValue: scope.requestText === undefined ? withoutPasswordValue(req.body) : undefined,
    responseText: scope.responseText?.slice(0, BODY_CLIP + 1),
    // Clipped by bytes here (a character cut in two decodes as U+FFFD); the journal clips the decoded text.
    responseBytes: scope.responseBytes?.subarray(0, 4 * BODY_CLIP + 4),
  };
}

// A contact's password (POST /customers/{id}/contacts) is never journaled:
// the body is recorded as sent except for the value of every "password"
// field, text or parsed, whichever shape the request arrived in.
const PASSWORD_FIELD = /("password"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\]\s]*)/g;
const REDACTED = '"[redacted]"';

function withoutPasswords(text: string): string {
  return text.includes('"password"') ? text.replace(PASSWORD_FIELD, `$1${REDACTED}`) : text;
}

function withoutPasswordValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, 'password')) return value;
  return { ...(value as Record<string, unknown>), password: '[redacted]' };
}

/** Puts back the status and headers an answer had when it was recorded. */
function restore(res: Response, status: number, headers: Record<string, unknown>): void {
  res.statusCode = status;
  for (const name of res.getHeaderNames()) if (!(name in headers)) res.removeHeader(name);
  for (const [name, value] of Object.entries(headers))
    res.setHeader(name, value as string | number | readonly string[]);
}

/**
 * The entry of this answer could not be stored: a client that reads the
 * journal next would not find it, so the answer is not sent; a 503 says why
 * instead, as for any request while the shared state is unreachable. An
 * answer whose head already left (a stream) can only be finished as it is.
 */
function withhold(res: Response, end: End, args: unknown[], error: Error): void {
  // An error answer (typically the 503 of the same outage) already says that something failed: it goes as it is.
  if (res.headersSent || res.statusCode >= 500) {
    end.apply(res, args);
    return;
  }
  const status = res.statusCode;
  let message = `togai-mock did not send its ${status} answer: the request journal could not record it (${error.message})`;
  if (status < 400 && res.req.method !== 'GET' && res.req.method !== 'HEAD')
    message += '; a change the request made is kept';
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE - 3)}...`;
  const bytes = Buffer.from(JSON.stringify({ message }), 'utf8');
  for (const name of res.getHeaderNames()) if (name !== 'x-request-id') res.removeHeader(name);
  res.statusCode = 503;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', bytes.length);
  end.call(res, bytes);
}
