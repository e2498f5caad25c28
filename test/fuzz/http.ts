// A small HTTP client for the fuzz and reliability suites: raw text in, raw
// text out, any header or method, over a keep-alive agent so thousands of
// generated requests stay fast. fetch() would normalise what we want to send
// malformed (paths, header values, bodies), so node:http is used directly.

import { Agent, request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface RawRequest {
  method?: string;
  /** Sent exactly as given: the caller encodes (or deliberately does not). */
  path: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
}

export class RawClient {
  private readonly agent: Agent;
  constructor(
    readonly baseUrl: string,
    /** Connections used at once; raise it to make requests truly concurrent. */
    maxSockets = 16,
    /** Credential sent by post() and get(). */
    readonly token = 'fuzz',
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(req: RawRequest): Promise<RawResponse> {
    const url = new URL(this.baseUrl);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined && headers['content-length'] === undefined) {
        headers['content-length'] = Buffer.byteLength(req.body);
      }
      const r = request(
        { host: url.hostname, port: url.port, method: req.method ?? 'GET', path: req.path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text === '' ? undefined : JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
        },
      );
      r.on('error', reject);
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  }

  /** JSON body in (given as text, so it can be malformed on purpose), bearer token set. */
  post(path: string, jsonText: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    return this.send({
      method: 'POST',
      path,
      body: jsonText,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', ...headers },
    });
  }

  get(path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    return this.send({ method: 'GET', path, headers: { authorization: `Bearer ${this.token}`, ...headers } });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** True when `r` is a Togai error: JSON object with exactly a non-empty `message` of at most 500 characters. */
export function isTogaiError(r: RawResponse): boolean {
  const b = r.json as Record<string, unknown> | undefined;
  return (
    typeof b === 'object' &&
    b !== null &&
    !Array.isArray(b) &&
    Object.keys(b).length === 1 &&
    typeof b.message === 'string' &&
    b.message.length > 0 &&
    b.message.length <= 500 &&
    String(r.headers['content-type']).startsWith('application/json')
  );
}
