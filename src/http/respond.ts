// Sends an operation's JSON response and, when response validation is on,
// first checks it against the operation's response schema in spec/. A
// mismatch is a togai-mock bug: it is logged, recorded, and answered with a
// 500 so that no test can pass on a response the spec does not allow.

import type { Response } from 'express';
import { MockError } from '../domain/errors.js';
import { describeError } from '../spec/messages.js';
import type { CompiledOperation } from '../spec/operations.js';
import type { MockRuntime } from '../runtime.js';

export function respond(runtime: MockRuntime, res: Response, op: CompiledOperation, status: number, body: unknown): void {
  if (runtime.options.validateResponses) selfCheck(runtime, op, status, body);
  if (body === undefined) {
    res.status(status).end();
    return;
  }
  // What res.json() would do, minus its settings and mime lookups; the text
  // still goes through res.send(), where the journal picks it up.
  res.status(status).setHeader('Content-Type', 'application/json; charset=utf-8');
  res.send(JSON.stringify(body));
}

export function selfCheck(runtime: MockRuntime, op: CompiledOperation, status: number, body: unknown): void {
  // A bodiless success (204) has no schema in the map; it must not be judged by `default` (the error schema).
  const validate = op.responses.get(String(status)) ?? (body === undefined && status < 300 ? undefined : op.responses.get('default'));
  let problem: string | undefined;
  if (!validate) {
    if (body !== undefined) problem = `status ${status} is not documented`;
  } else if (!validate(body)) {
    problem = describeError(validate.errors![0]!, 'response body');
  }
  if (problem === undefined) return;
  const failure = `${op.operationId} ${status}: ${problem}`;
  runtime.selfCheckFailures.push(failure);
  runtime.logger.error({ operationId: op.operationId, status, problem }, 'response does not match spec');
  throw new MockError('internal', `togai-mock response self-check failed: ${failure}`);
}
