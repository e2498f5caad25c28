// Records the Togai API's traffic into the request journal (store/services/journal.ts)
// so a test can assert on its own outgoing calls (GET /_mock/requests).
//
// Only Togai API traffic is recorded, not /_mock calls: a test (or the
// dashboard polling the journal) would otherwise drown the client's requests
// in its own. The stages that read or write bodies note the raw texts here
// (noteRequestText, noteResponseBytes).
//
// The entry is recorded before the answer is sent (read-your-writes): when a
// client has its answer, GET /_mock/requests on this process or on any other
// replica lists it. Every answer leaves through res.end(), so the recorder
// hooks there: it records, and with a journal that replicas share (Redis) it
// holds the end of the answer until the entry is stored. Entries of one turn
// of the event loop are stored together, so the wait is one round trip shared
// by every answer of that turn. When the entry cannot be stored the answer is
// replaced by a 503 that says so (a change the request made is kept).

import type { Express, Request, Response } from 'express';
import { BODY_CLIP, type RecordedRequest, type RequestJournal } from '../store/services/journal.js';

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

/** Togai documents messages of at most 500 characters (as http/errors.ts clips them). */
const MAX_MESSAGE = 500;

/** What the recorder keeps per journalled request until its answer ends. */
interface Pending {
  arrived: number;
  started: number;
  /** As the request arrived (a router may change req.url on the way). */
  path: string;
  req: Request;
}

const PENDING = Symbol('togai-mock journal pending');
/** Set while an answer waits for its entry to be stored: 1, or 2 once something tried to end it again. */
const WAITING = Symbol('togai-mock journal waiting');
type Recording = Notes & { [PENDING]?: Pending | undefined; [WAITING]?: 1 | 2 };

type End = (this: Response, ...args: unknown[]) => Response;

/**
 * Records every request outside /_mock as its answer ends: called by the
 * request log for each request (one Express layer for both), it marks the
 * request; one override of res.end on this app's response prototype (not a
 * wrapper made per request) records the entry and then lets the answer go.
 * Responses sent through Express's res.send (the fallback, anything not going
 * through noteResponseText) have their text noted by a second override.
 */
export function journalRecorder(journal: RequestJournal, app: Express): (req: Request, res: Response) => void {
  const send = app.response.send;
  app.response.send = function (this: Response, chunk?: unknown) {
    if (typeof chunk === 'string') noteResponseText(this, chunk);
    else if (Buffer.isBuffer(chunk)) noteResponseText(this, chunk.toString('utf8'));
    return send.call(this, chunk);
  } as Response['send'];

  const end = app.response.end as unknown as End;
  app.response.end = function (this: Response, ...args: unknown[]) {
    const notes = this.locals as Recording | undefined;
    if (notes === undefined) return end.apply(this, args);
    if (notes[WAITING] !== undefined) {
      // Ended already, waiting for the entry (its head is not sent yet, so a late error handler may try again).
      notes[WAITING] = 2;
      return this;
    }
    const pending = notes[PENDING];
    if (pending === undefined) return end.apply(this, args);
    // Once: a second end() (Node ignores it) must not record again.
    notes[PENDING] = undefined;
    const recorded = journal.record(entryOf(pending, this, notes));
    if (!(recorded instanceof Promise)) return end.apply(this, args);
    notes[WAITING] = 1;
    // The answer as it is now is the one recorded: what a second end() changed meanwhile is put back.
    const status = this.statusCode;
    const headers = this.getHeaders();
    const finish = (error: Error | undefined): void => {
      if (notes[WAITING] === 2) restore(this, status, headers);
      notes[WAITING] = undefined;
      if (error === undefined) end.apply(this, args);
      else withhold(this, end, args, error);
    };
    recorded.then(finish, (error: unknown) => finish(error as Error));
    return this;
  } as Response['end'];

  return (req, res) => {
    const path = req.path;
    if (journal.limit <= 0 || path === '/_mock' || path.startsWith('/_mock/')) return;
    const notes = res.locals as Recording;
    notes[PENDING] = { arrived: Date.now(), started: performance.now(), path, req };
  };
}

/** The journal entry of a request whose answer is ending now. */
function entryOf(pending: Pending, res: Response, noted: Notes): RecordedRequest {
  const { req } = pending;
  const locals = res.locals;
  const url = req.originalUrl;
  const qIndex = url.indexOf('?');
  return {
    arrived: pending.arrived,
    method: req.method,
    path: pending.path,
    status: res.statusCode,
    // The time to make the answer: the journal's own write, which comes after, is not in it.
    latencyMs: performance.now() - pending.started,
    tenant: typeof locals.tenantKey === 'string' ? locals.tenantKey : null,
    query: qIndex >= 0 && qIndex < url.length - 1 ? url.slice(qIndex + 1, qIndex + 2001) : undefined,
    operationId: typeof locals.operationId === 'string' ? locals.operationId : undefined,
    fault: typeof locals.fault === 'string' ? locals.fault : undefined,
    requestText: noted[READ] !== undefined ? noted[READ].slice(0, BODY_CLIP + 1) : undefined,
    requestValue: noted[READ] === undefined ? req.body : undefined,
    responseText: noted[SENT]?.slice(0, BODY_CLIP + 1),
    // Clipped by bytes here (a character cut in two decodes as U+FFFD); the journal clips the decoded text.
    responseBytes: noted[SENT_BYTES]?.subarray(0, 4 * BODY_CLIP + 4),
  };
}

/** Puts back the status and headers an answer had when it was recorded. */
function restore(res: Response, status: number, headers: Record<string, unknown>): void {
  res.statusCode = status;
  for (const name of res.getHeaderNames()) if (!(name in headers)) res.removeHeader(name);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value as string | number | readonly string[]);
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
  if (status < 400 && res.req.method !== 'GET' && res.req.method !== 'HEAD') message += '; a change the request made is kept';
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE - 3)}...`;
  const bytes = Buffer.from(JSON.stringify({ message }), 'utf8');
  for (const name of res.getHeaderNames()) if (name !== 'x-request-id') res.removeHeader(name);
  res.statusCode = 503;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', bytes.length);
  end.call(res, bytes);
}
