// The first stage of every request: accepts the caller's X-Request-Id (or
// makes one), echoes it, opens the request's scope (request-scope.ts) before
// any guard runs, logs the request when it is done, and lets each observer
// (the journal recorder) see it: one Express layer for all the per-request
// bookkeeping.

import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { MockAccess } from '../store/machine/apply.js';
import { openScope, type RequestScope } from './request-scope.js';

/** Sees each request once its scope is open (e.g. to record it when it is finished). */
export type RequestObserver = (req: Request, res: Response, scope: RequestScope) => void;

/** Where a request's view of the engine comes from (MockEngine.forRequest). */
export interface EngineViews {
  forRequest(): MockAccess;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function requestLog(log: Logger, engine: EngineViews, ...observers: RequestObserver[]): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    const scope = openScope(req, id, engine.forRequest());
    res.setHeader('X-Request-Id', id);
    // Arrivals too at debug: shows what is in flight when something hangs (and lets tests see it).
    if (log.isLevelEnabled('debug')) log.debug({ reqId: id, method: req.method, path: req.path }, 'request received');
    if (log.isLevelEnabled('info')) {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        log.info(
          {
            reqId: id,
            method: req.method,
            path: req.path,
            operationId: scope.operationId,
            status: res.statusCode,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          },
          'request',
        );
      });
    }
    for (const observe of observers) observe(req, res, scope);
    next();
  };
}
