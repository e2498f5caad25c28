// Records the Togai API's traffic into the request journal (store/services/journal.ts)
// so a test can assert on its own outgoing calls (GET /_mock/requests).
//
// Only Togai API traffic is recorded, not /_mock calls: a test (or the
// dashboard polling the journal) would otherwise drown the client's requests
// in its own. The stages that read or write bodies note the raw texts here
// (noteRequestText, noteResponseBytes); the recorder hands them to the
// journal once the response is finished. Notes live in the request's scope
// (request-scope.ts), with what the other stages learnt of the request.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, Response } from 'express';
import { BODY_CLIP, type RequestJournal } from '../store/services/journal.js';
import type { RequestObserver } from './request-log.js';
import { findScope, findScopeOfResponse } from './request-scope.js';

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

/**
 * Records every request outside /_mock once its response is finished: called
 * by the request log for each request (one Express layer for both). Responses
 * sent through Express's res.send (the fallback, anything not going through
 * noteResponseText) are caught by one override on this app's response
 * prototype, not by a wrapper made per request.
 */
export function journalRecorder(journal: RequestJournal, app: Express): RequestObserver {
  const send = app.response.send;
  app.response.send = function (this: Response, chunk?: unknown) {
    if (typeof chunk === 'string') noteResponseText(this, chunk);
    else if (Buffer.isBuffer(chunk)) noteResponseText(this, chunk.toString('utf8'));
    return send.call(this, chunk);
  } as Response['send'];

  return (req, res, scope) => {
    const path = req.path;
    if (journal.limit <= 0 || path === '/_mock' || path.startsWith('/_mock/')) return;
    const arrived = Date.now();
    const started = performance.now();
    const url = req.originalUrl;
    const qIndex = url.indexOf('?');
    res.on('finish', () => {
      void journal.record({
        arrived,
        method: req.method,
        path,
        status: res.statusCode,
        latencyMs: performance.now() - started,
        tenant: scope.tenantKey ?? null,
        query: qIndex >= 0 && qIndex < url.length - 1 ? url.slice(qIndex + 1, qIndex + 2001) : undefined,
        operationId: scope.operationId,
        fault: scope.fault,
        requestText: scope.requestText !== undefined ? scope.requestText.slice(0, BODY_CLIP + 1) : undefined,
        requestValue: scope.requestText === undefined ? req.body : undefined,
        responseText: scope.responseText?.slice(0, BODY_CLIP + 1),
        // Clipped by bytes here (a character cut in two decodes as U+FFFD); viewOf clips the decoded text.
        responseBytes: scope.responseBytes?.subarray(0, 4 * BODY_CLIP + 4),
      });
    });
  };
}
