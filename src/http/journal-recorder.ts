// Records the Togai API's traffic into the request journal (store/services/journal.ts)
// so a test can assert on its own outgoing calls (GET /_mock/requests).
//
// Only Togai API traffic is recorded, not /_mock calls: a test (or the
// dashboard polling the journal) would otherwise drown the client's requests
// in its own. The stages that read or write bodies note the raw texts here
// (noteRequestText, noteResponseBytes); the recorder hands them to the
// journal once the response is finished.

import type { Express, Request, Response } from 'express';
import { BODY_CLIP, type RequestJournal } from '../store/services/journal.js';

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
export function journalRecorder(journal: RequestJournal, app: Express): (req: Request, res: Response) => void {
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
      void journal.record({
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
