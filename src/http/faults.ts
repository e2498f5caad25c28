// Misbehaviour on purpose, for the Togai API routes only: fault rules
// (POST /_mock/faults), the per-credential rate limit, and Prism's per-request
// `Prefer: code=NNN`. The stage runs after authentication and before the body
// is parsed and the handler runs, so an injected failure never changes state.
// The rules and the limit are state (store/): firing a rule is a logged
// command, so a `times: 1` rule fires once in all processes sharing the log,
// and its probability draw is the command's. The counts of the rate limit
// are not state: they are kept by a RateCounter (memory or shared).
//
// Order: `Prefer: code` (the caller asked explicitly), then the rate limit,
// then fault rules in the order they were added.

import type { Request, Response } from 'express';
import { MockError } from '../domain/errors.js';
import type { CompiledOperation } from '../spec/operations.js';
import type { FaultRule } from '../store/machine/fault-rules.js';
import type { RateCounter } from '../store/services/types.js';
import type { MockState } from '../store/machine/state.js';
import { readBodyTextLeniently } from './body.js';
import { sendMessage } from './errors.js';
import { noteRequestText } from './journal-recorder.js';
import type { Guard } from './pipeline.js';
import type { RequestScope } from './request-scope.js';

/** What the fault stage draws on besides the request's view of the engine (rules, limit): the rate limit's counts. */
export interface Misbehaviour {
  rateCounter: RateCounter;
}

/** `Prefer: code=429` (Prism's convention), or undefined. */
export function preferredCode(req: Request): number | undefined {
  const header = req.headers.prefer;
  if (header === undefined) return undefined;
  const m = /(?:^|[\s,;])code=(\d{3})(?:$|[\s,;])/.exec(` ${Array.isArray(header) ? header.join(',') : header} `);
  return m ? Number(m[1]) : undefined;
}

/**
 * An injected answer. Written here rather than thrown as a MockError because
 * a fault may use any status from 400 to 599, not only the kinds the error
 * mapping knows; the body is Togai's `{"message"}` all the same. The request
 * body is read first (for the journal only; it is never parsed or judged).
 */
async function answer(
  req: Request,
  res: Response,
  status: number,
  message: string,
  headers?: Record<string, string>,
): Promise<false> {
  const text = await readBodyTextLeniently(req);
  if (text !== undefined) noteRequestText(req, text);
  if (!res.headersSent) sendMessage(res, status, message, headers);
  return false;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const theState = (state: MockState): MockState => state;

/**
 * The fault stage of one operation: true to go on (synchronously, when
 * nothing applies: the common case costs no promise), false once a fault
 * has answered. It reads the rules and the limit through the request's view
 * of the engine, the one its handler reads through too.
 */
export function faultStage({ rateCounter }: Misbehaviour, op: CompiledOperation): Guard {
  const documented = [...op.responses.keys()].filter((k) => /^\d{3}$/.test(k)).map(Number);
  const injected = async (req: Request, res: Response, rule: FaultRule): Promise<boolean> => {
    if (rule.latencyMs !== undefined && rule.latencyMs > 0) await sleep(rule.latencyMs);
    if (rule.status === undefined) return true;
    return answer(req, res, rule.status, rule.message ?? `Fault injected by togai-mock (rule ${rule.id})`);
  };

  const limited = (limit: number, wait: number | undefined, scope: RequestScope): void => {
    if (wait === undefined) return;
    scope.fault = 'rate-limit';
    throw new MockError(
      'rate_limited',
      `Rate limit exceeded: at most ${limit} requests per second per credential; retry after ${wait} s`,
      {
        'Retry-After': String(wait),
      },
    );
  };

  /** The fault rules, once the rate limit let the request pass. */
  const faults = (req: Request, res: Response, scope: RequestScope, state: MockState): boolean | Promise<boolean> => {
    if (state.faults.size === 0) return true;
    const tenant = scope.tenantKey;
    const target = { method: req.method, path: req.path, operationId: op.operationId, template: op.path };
    // A look first (most requests match no rule); firing, which counts, is a command.
    if (!state.faults.matches(target, tenant)) return true;
    return scope.engine.execute({ type: 'faultFire', tenant, target }).then((rule) => {
      if (rule === undefined) return true;
      scope.fault = rule.id;
      return injected(req, res, rule);
    });
  };

  const judge = (req: Request, res: Response, scope: RequestScope, state: MockState): boolean | Promise<boolean> => {
    const limit = state.rateLimit;
    if (limit > 0) {
      const key = scope.credential !== undefined ? `c:${scope.credential}` : `ip:${req.ip ?? ''}`;
      const wait = rateCounter.hit(key, limit);
      if (wait instanceof Promise) {
        return wait.then((w) => {
          limited(limit, w, scope);
          return faults(req, res, scope, state);
        });
      }
      limited(limit, wait, scope);
    }
    return faults(req, res, scope, state);
  };

  return (req, res, scope) => {
    const code = preferredCode(req);
    if (code !== undefined) {
      if (!documented.includes(code)) {
        throw new MockError(
          'invalid',
          `Prefer: code=${code} is not a documented status of ${op.operationId}; documented: ${documented.join(', ')}`,
        );
      }
      if (code >= 400) {
        scope.fault = 'prefer';
        const headers = code === 429 ? { 'Retry-After': '1' } : undefined;
        return answer(
          req,
          res,
          code,
          `Status ${code} forced by the request's Prefer: code=${code} header (togai-mock)`,
          headers,
        );
      }
      // A documented success status is what the handler answers anyway.
    }
    const state = scope.engine.read(theState);
    return state instanceof Promise ? state.then((s) => judge(req, res, scope, s)) : judge(req, res, scope, state);
  };
}
