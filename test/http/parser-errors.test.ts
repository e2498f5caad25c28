// The 'clientError' listener's choices, on stand-in sockets: a Togai JSON
// answer for each kind of parser error, and no answer at all where one would
// corrupt the stream (a response already started) or reach nobody (a reset
// or unwritable socket); the socket is destroyed in every case. The real
// exchanges are in test/reliability/malformed-http.test.ts and slow-clients.test.ts.

import { maxHeaderSize } from 'node:http';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { answerParserErrors, parserErrorAnswer } from '../../src/http/parser-errors.js';

const LIMITS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

/** A writable stand-in socket that keeps what was written to it. */
function socket(inFlight?: { headersSent: boolean }): Duplex & { written: string; _httpMessage?: unknown } {
  const s = new Duplex({
    read() {},
    write(chunk, _enc, done) {
      s.written += String(chunk);
      done();
    },
  }) as Duplex & { written: string; _httpMessage?: unknown };
  s.written = '';
  if (inFlight) s._httpMessage = inFlight;
  return s;
}

const parserError = (code: string, reason?: string) =>
  Object.assign(new Error(`Parse Error: ${reason ?? code}`), { code, reason });

describe("answers to errors of Node's HTTP parser", () => {
  it.each([
    ['HPE_INVALID_METHOD', 'Invalid method encountered', 400, 'Malformed HTTP request: Invalid method encountered'],
    [
      'HPE_HEADER_OVERFLOW',
      'Header overflow',
      431,
      `Request headers are too large: the request line and headers must fit in ${maxHeaderSize / 1024} KiB`,
    ],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 'Chunk extensions overflow', 413, 'Request chunk extensions are too large'],
    [
      'ERR_HTTP_REQUEST_TIMEOUT',
      undefined,
      408,
      'Request timeout: the headers must arrive within 10 s and the whole request within 30 s',
    ],
    // A reason that is not one of llhttp's plain phrases is not echoed.
    ['HPE_INVALID_HEADER_TOKEN', '<script>\r\nX: y', 400, 'Malformed HTTP request: not a valid HTTP/1.1 request'],
  ])('%s -> %i', (code, reason, status, message) => {
    expect(parserErrorAnswer(parserError(code, reason), LIMITS)).toEqual({ status, message });
  });

  it('writes a complete HTTP/1.1 response with a JSON body and Connection: close, then destroys the socket', () => {
    const s = socket();
    answerParserErrors(LIMITS)(parserError('HPE_INVALID_METHOD', 'Invalid method encountered'), s);
    const [head, body] = s.written.split('\r\n\r\n');
    expect(head!.split('\r\n')).toEqual([
      'HTTP/1.1 400 Bad Request',
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body!)}`,
      'Connection: close',
    ]);
    expect(JSON.parse(body!)).toEqual({ message: 'Malformed HTTP request: Invalid method encountered' });
    expect(s.destroyed).toBe(true);
  });

  it('writes nothing into a response already started, to a reset connection or to an unwritable socket', () => {
    const started = socket({ headersSent: true });
    answerParserErrors(LIMITS)(parserError('ERR_HTTP_REQUEST_TIMEOUT'), started);
    const reset = socket();
    answerParserErrors(LIMITS)(parserError('ECONNRESET'), reset);
    const ended = socket();
    ended.end();
    answerParserErrors(LIMITS)(parserError('HPE_INVALID_METHOD'), ended);
    for (const s of [started, reset, ended]) {
      expect(s.written).toBe('');
      expect(s.destroyed).toBe(true);
    }
    // A response object that has not sent its headers yet does not stop the answer.
    const pending = socket({ headersSent: false });
    answerParserErrors(LIMITS)(parserError('ERR_HTTP_REQUEST_TIMEOUT'), pending);
    expect(pending.written).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });
});
