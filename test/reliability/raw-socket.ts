// Raw TCP exchanges with the mock (node:net), for requests no HTTP client
// would send: truncated bodies, lying Content-Length, slow headers.

import { connect } from 'node:net';

export interface RawExchange {
  /** Everything the server wrote before closing (or before `waitMs` ran out). */
  text: string;
  /** Status of the first response, or undefined when none came. */
  status: number | undefined;
  headers: Record<string, string>;
  /** Body of the first response (no chunked decoding; tests send Connection: close). */
  body: string;
  /** True when the server closed the connection. */
  closed: boolean;
}

/**
 * Writes `chunks` to a fresh connection, then optionally half-closes it, and
 * collects what comes back until the server closes the connection.
 */
export function exchange(
  port: number,
  chunks: Array<string | Buffer>,
  opts: { halfClose?: boolean } = {},
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server may reset a connection it refuses; what it wrote before counts.
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err);
    });
    socket.on('close', () => resolve(parse(Buffer.concat(received).toString('latin1'), true)));
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
      if (opts.halfClose) socket.end();
    });
  });
}

export function parse(text: string, closed: boolean): RawExchange {
  const m = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r\n/.exec(text);
  const headers: Record<string, string> = {};
  let body = '';
  if (m) {
    const end = text.indexOf('\r\n\r\n');
    for (const line of text.slice(m[0].length, end).split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    body = text.slice(end + 4);
    const len = headers['content-length'];
    if (len !== undefined) body = body.slice(0, Number(len));
  }
  return {
    text,
    status: m ? Number(m[1]) : undefined,
    headers,
    body: Buffer.from(body, 'latin1').toString('utf8'),
    closed,
  };
}

/** The head of a request, with Connection: close so the server ends the exchange. */
export function head(method: string, path: string, headers: Record<string, string | number> = {}): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', 'Authorization: Bearer raw'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}
