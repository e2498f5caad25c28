// The first stage of every request: accepts the caller's X-Request-Id (or
// makes one), echoes it, logs the request when it is done, and lets each
// observer (the journal recorder) see it: one Express layer for all the
// per-request bookkeeping.

import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function requestLog(log: Logger, ...observers: Array<(req: Request, res: Response) => void>): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
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
            operationId: res.locals.operationId,
            status: res.statusCode,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          },
          'request',
        );
      });
    }
    for (const observe of observers) observe(req, res);
    next();
  };
}
