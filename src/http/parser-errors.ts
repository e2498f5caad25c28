// Answers for requests Node's HTTP parser refuses before the app sees them
// (the server's 'clientError' event): malformed requests (400), requests too
// slow to arrive (408), headers too large (431), chunk extensions too large
// (413). Node's own answers have no body; these carry Togai's {"message"},
// like every other error of the mock. There is no request or response object
// at this point, so the whole HTTP/1.1 response is written to the socket, and
// the connection is closed right after it, as Node itself does.

import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Duplex } from 'node:stream';
import { JSON_TYPE } from './respond.js';

/** The time limits a 408 names (the server's headersTimeout and requestTimeout). */
export interface RequestTimeLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;

/** The status and message for a parser error (its `code` from llhttp or Node, its `reason` from llhttp). */
export function parserErrorAnswer(
  err: NodeJS.ErrnoException & { reason?: unknown },
  limits: RequestTimeLimits,
): { status: number; message: string } {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        message: `Request headers are too large: the request line and headers must fit in ${maxHeaderSize / 1024} KiB`,
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, message: 'Request chunk extensions are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        message:
          `Request timeout: the headers must arrive within ${seconds(limits.headersTimeoutMs)} ` +
          `and the whole request within ${seconds(limits.requestTimeoutMs)}`,
      };
    default: {
      // llhttp's reason is a short fixed phrase ("Invalid method encountered"); never echo request bytes.
      const reason =
        typeof err.reason === 'string' && /^[\w .,'-]{1,100}$/.test(err.reason)
          ? err.reason
          : 'not a valid HTTP/1.1 request';
      return { status: 400, message: `Malformed HTTP request: ${reason}` };
    }
  }
}

/** The whole HTTP/1.1 response for a parser error: Togai's JSON error body, then the connection closes. */
export function parserErrorResponse(status: number, message: string): string {
  const body = JSON.stringify({ message });
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    `Content-Type: ${JSON_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/**
 * The server's 'clientError' listener, doing what Node does without one but
 * with a body: answer only when the socket can still be written and no
 * response has started on it (an answer in the middle of another would
 * corrupt the stream), then destroy the socket, so a slow or broken client
 * is cut off exactly as before. A reset connection gets no answer.
 */
export function answerParserErrors(limits: RequestTimeLimits): (err: Error, socket: Duplex) => void {
  return (err, socket) => {
    const e = err as NodeJS.ErrnoException;
    // Node's own check reads this internal field too: the response in flight on this socket, if any.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (e.code !== 'ECONNRESET' && socket.writable && inFlight?.headersSent !== true) {
      const { status, message } = parserErrorAnswer(e, limits);
      socket.write(parserErrorResponse(status, message));
    }
    socket.destroy();
  };
}
