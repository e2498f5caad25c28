// The journal recorder writes an answer's entry before the answer leaves:
// with a journal that stores asynchronously (as the one replicas share on
// Redis), the client gets its answer only once the entry is stored; when it
// cannot be stored, the answer is replaced by a 503 that says so (an error
// answer goes as it is). A small Express app with the recorder and a journal
// whose writes the test settles itself.

import type { MockAccess } from '../../src/store/machine/apply.js';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { errorHandler } from '../../src/http/errors.js';
import { journalRecorder } from '../../src/http/journal-recorder.js';
import { requestLog } from '../../src/http/request-log.js';
import { sendJson } from '../../src/http/respond.js';
import type { RecordedRequest, RequestJournal } from '../../src/store/services/journal.js';

/** A journal whose record() answers what `outcome` gives, a turn of the event loop later (as a batched store does). */
function asyncJournal(outcome: () => Error | undefined) {
  const stored: RecordedRequest[] = [];
  const journal: RequestJournal = {
    limit: 10,
    record: (request) =>
      new Promise((resolve) =>
        setImmediate(() => {
          const error = outcome();
          if (error === undefined) stored.push(request);
          resolve(error);
        }),
      ),
    list: () => [],
    clear: () => undefined,
  };
  return { journal, stored };
}

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(journal: RequestJournal): Promise<string> {
  const app = express();
  // These routes never touch the engine: the request's view of it is an empty stand-in.
  const engine = { forRequest: () => ({}) as MockAccess };
  app.use(requestLog(pino({ level: 'silent' }), engine, journalRecorder(journal, app)));
  app.get('/credits', (_req, res) => sendJson(res, 200, '{"data":[]}'));
  app.post('/credits', (_req, res) => sendJson(res, 200, '{"credits":[]}'));
  app.get('/down', (_req, res) => sendJson(res, 503, '{"message":"Redis at redis://127.0.0.1:1 is unreachable"}'));
  app.get('/_mock/requests', (_req, res) => sendJson(res, 200, '{"requests":[]}'));
  // Answers, then fails: the error handler tries to answer again while the answer waits for its entry.
  app.get('/late-error', (_req, res, next) => {
    sendJson(res, 200, '{"answered":true}');
    next(new Error('after the answer'));
  });
  app.use(errorHandler(pino({ level: 'silent' })));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('journal recorder', () => {
  it('sends the answer only once its entry is stored', async () => {
    const { journal, stored } = asyncJournal(() => undefined);
    const url = await serve(journal);
    const res = await fetch(`${url}/credits?account_id=A1`);
    // The entry was in the journal when the client got the answer.
    const seen = stored.length;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"data":[]}');
    expect(seen).toBe(1);
    expect(stored[0]).toMatchObject({ method: 'GET', path: '/credits', query: 'account_id=A1', status: 200 });
    expect(stored[0]!.responseBytes?.toString()).toBe('{"data":[]}');
    // A second answer attempted while the first waits for its entry changes nothing.
    const late = await fetch(`${url}/late-error`);
    expect(late.status).toBe(200);
    expect(late.headers.get('content-length')).toBe('17');
    expect(await late.text()).toBe('{"answered":true}');
    expect(stored).toHaveLength(2);
    expect(stored[1]).toMatchObject({ path: '/late-error', status: 200 });
    // Control calls are not journalled.
    await fetch(`${url}/_mock/requests`);
    expect(stored).toHaveLength(2);
  });

  it('answers 503 naming the journal when the entry cannot be stored; a change is said to be kept', async () => {
    const { journal } = asyncJournal(() => new Error('Redis at redis://127.0.0.1:1 is unreachable (ECONNREFUSED)'));
    const url = await serve(journal);
    const read = await fetch(`${url}/credits`, { headers: { 'x-request-id': 'req-1' } });
    expect(read.status).toBe(503);
    expect(read.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(read.headers.get('x-request-id')).toBe('req-1');
    const readBody = (await read.json()) as { message: string };
    expect(readBody.message).toBe(
      'togai-mock did not send its 200 answer: the request journal could not record it (Redis at redis://127.0.0.1:1 is unreachable (ECONNREFUSED))',
    );
    const change = await fetch(`${url}/credits`, { method: 'POST' });
    expect(change.status).toBe(503);
    expect(((await change.json()) as { message: string }).message).toMatch(
      /could not record it .*; a change the request made is kept$/,
    );
    // An error answer goes as it is.
    const down = await fetch(`${url}/down`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ message: 'Redis at redis://127.0.0.1:1 is unreachable' });
  });
});
