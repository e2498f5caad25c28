// Sends an operation's JSON response and, when response validation is on,
// first checks it against the operation's response schema in spec/. A
// mismatch is a togai-mock bug: it is logged, recorded, and answered with a
// 500 so that no test can pass on a response the spec does not allow.

import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { MockError } from '../domain/errors.js';
import { describeError } from '../spec/messages.js';
import type { CompiledOperation } from '../spec/operations.js';
import { noteResponseBytes } from './journal-recorder.js';

/** Throws (a 500) when a response is not what the operation documents. */
export type SelfCheck = (op: CompiledOperation, status: number, body: unknown) => void;

export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Writes a JSON text with its status: the one way JSON answers leave the
 * mock (operations, errors, faults). Plain node:http calls, without Express's
 * res.json()/res.send() (settings lookups, mime tables, a second
 * stringify), and the text is noted for the journal.
 */
export function sendJson(res: ServerResponse, status: number, text: string): void {
  // Encoded once: the same bytes are written and kept by the journal.
  const bytes = Buffer.from(text, 'utf8');
  noteResponseBytes(res, bytes);
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}

export function respond(
  res: ServerResponse,
  op: CompiledOperation,
  status: number,
  body: unknown,
  selfCheck?: SelfCheck,
): void {
  if (selfCheck) selfCheck(op, status, body);
  if (body === undefined) {
    res.statusCode = status;
    res.end();
    return;
  }
  sendJson(res, status, JSON.stringify(body));
}

/** The response self-check: each mismatch is logged, appended to `failures`, and answered with a 500. */
export function responseSelfCheck(failures: string[], logger: Logger): SelfCheck {
  return (op, status, body) => {
    // A bodiless success (204) has no schema in the map; it must not be judged by `default` (the error schema).
    const validate =
      op.responses.get(String(status)) ??
      (body === undefined && status < 300 ? undefined : op.responses.get('default'));
    let problem: string | undefined;
    if (!validate) {
      if (body !== undefined) problem = `status ${status} is not documented`;
    } else if (!validate(body)) {
      problem = describeError(validate.errors![0]!, 'response body');
    }
    if (problem === undefined) return;
    const failure = `${op.operationId} ${status}: ${problem}`;
    failures.push(failure);
    logger.error({ operationId: op.operationId, status, problem }, 'response does not match spec');
    throw new MockError('internal', `togai-mock response self-check failed: ${failure}`);
  };
}
