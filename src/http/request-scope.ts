// One request's context, typed: made by the first stage (request-log.ts)
// before any guard runs, then filled and read by the stages after it: the
// request id, the engine as this request sees it, who it acts for (set by
// authentication), the operation it was routed to, the fault that answered
// it, and the bodies the journal keeps.
//
// Kept on the request under a symbol of this module's own, rather than in
// Express's per-response locals (an untyped bag any stage may fill with
// anything): no other code can read or replace it. Not in a WeakMap keyed by
// the request: every entry of one is an ephemeron the collector must trace
// apart, a cost paid on every request (measured in bench/RESULTS.md). The
// pipeline looks it up once and hands it to the guards and the handler's
// context explicitly; only stages Express calls without it (the fallback, the
// body reader, the response writer) look it up.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { MockError } from '../domain/errors.js';
import type { MockAccess } from '../store/machine/apply.js';

export interface RequestScope {
  /** X-Request-Id: the caller's, or one made for it. */
  readonly requestId: string;
  /**
   * The engine as this request sees it (MockEngine.forRequest()): with a
   * shared log, every read of the request (the fault stage's, the handler's)
   * after one catch-up that began after the request arrived.
   */
  readonly engine: MockAccess;
  /** The credential authentication accepted; undefined before, or for a route that needs none. */
  credential: string | undefined;
  /** The tenant key of that credential. */
  tenantKey: string | undefined;
  /** The operation the request was routed to (Togai API, control API or fallback), once routed. */
  operationId: string | undefined;
  /** What answered instead of the handler: a fault rule's id, 'rate-limit' or 'prefer'. */
  fault: string | undefined;
  /** The request body's text as the mock read it (for the journal). */
  requestText: string | undefined;
  /** The response body's text, for responses sent through res.send (for the journal). */
  responseText: string | undefined;
  /** The response body's bytes, for the mock's own JSON answers (for the journal). */
  responseBytes: Buffer | undefined;
  /** Set by the journal recorder for a request it records, until the answer ends. */
  journalPending: JournalPending | undefined;
  /** While an answer waits for its journal entry to be stored: 1, or 2 once something tried to end it again. */
  journalWaiting: 0 | 1 | 2;
}

/** What the journal recorder keeps of a request until its answer ends. */
export interface JournalPending {
  arrived: number;
  started: number;
  /** As the request arrived (a router may change req.url on the way). */
  path: string;
}

const SCOPE = Symbol('togai-mock request scope');
type Scoped = IncomingMessage & { [SCOPE]?: RequestScope };

/** Makes the scope of a request; called once, by its first stage. */
export function openScope(req: IncomingMessage, requestId: string, engine: MockAccess): RequestScope {
  // Every field set here, so that every scope has the same shape.
  const scope: RequestScope = {
    requestId,
    engine,
    credential: undefined,
    tenantKey: undefined,
    operationId: undefined,
    fault: undefined,
    requestText: undefined,
    responseText: undefined,
    responseBytes: undefined,
    journalPending: undefined,
    journalWaiting: 0,
  };
  (req as Scoped)[SCOPE] = scope;
  return scope;
}

/** The scope of a request, for a stage that needs one. None: the request got past the first stage (a bug). */
export function scopeOf(req: IncomingMessage): RequestScope {
  const scope = (req as Scoped)[SCOPE];
  if (scope === undefined) {
    throw new MockError('internal', 'the request has no scope: the request log must be the first stage of the app');
  }
  return scope;
}

/** The scope of a request, when it has one: for stages that only note things on it. */
export function findScope(req: IncomingMessage): RequestScope | undefined {
  return (req as Scoped)[SCOPE];
}

/** The scope of the request a response answers, when it has one. */
export function findScopeOfResponse(res: ServerResponse): RequestScope | undefined {
  return (res.req as Scoped)[SCOPE];
}
