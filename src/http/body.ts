// Reads a JSON request body: Content-Type and charset first, then the bytes
// (inflated when Content-Encoding asks for it) up to BODY_LIMIT_BYTES, then the
// text checks of json-text.ts, then JSON.parse. Every failure is a MockError
// with the status Togai clients should see (400, 413 or 415).
//
// Written here rather than taken from express.json() because the body is read
// on every grant: body-parser's layers (type-is, raw-body, iconv, http-errors)
// were a tenth of the CPU of POST /credits (measured by bench/run.ts). The rules are the ones
// the mock had with body-parser: an empty body is `{}`, any JSON value is
// accepted (the schema judges it), a UTF-8 BOM is skipped, and on an error the
// rest of the body is read off before the answer, so the connection stays usable.

import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { MockError } from '../domain/errors.js';
import { noteRequestText } from './journal-recorder.js';
import { findDuplicateKey } from './json-text.js';

/** The largest request body accepted, after decompression: 1 MiB. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface JsonBody {
  /** The parsed body: any JSON value (the operation's schema judges it). */
  value: unknown;
}

/** True when the request carries a body at all (a length other than 0, or chunks). */
export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
}

/** `application/json` or `application/<anything>+json`, parameters aside. */
function isJsonType(mediaType: string): boolean {
  return mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'));
}

/** The media type and charset of a Content-Type header, lower-cased. */
function parseContentType(header: string): { mediaType: string; charset: string | undefined } {
  const semi = header.indexOf(';');
  const mediaType = (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
  if (semi < 0) return { mediaType, charset: undefined };
  const m = /(?:^|;)\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(header.slice(semi));
  const charset = m ? (m[1] ?? m[2] ?? '').toLowerCase() : undefined;
  return { mediaType, charset };
}

/** Refuses, before any byte is read, a body that is not UTF-8 JSON. */
function checkContentType(req: IncomingMessage): void {
  const header = req.headers['content-type'];
  if (header === undefined)
    throw new MockError('unsupported_media_type', 'Content-Type header is missing; send application/json');
  const { mediaType, charset } = parseContentType(header);
  if (!isJsonType(mediaType)) throw new MockError('unsupported_media_type', 'Content-Type must be application/json');
  if (charset !== undefined && charset !== 'utf-8') {
    throw new MockError(
      'unsupported_media_type',
      `Request body charset ${charset.toUpperCase()} is not supported; send UTF-8 JSON`,
    );
  }
}

/** The stream to read: the request itself, or an inflater fed by it. */
function contentStream(req: IncomingMessage): Readable {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  switch (encoding) {
    case 'identity':
      return req;
    case 'gzip':
      return req.pipe(createGunzip());
    case 'deflate':
      return req.pipe(createInflate());
    case 'br':
      return req.pipe(createBrotliDecompress());
    default:
      throw new MockError('unsupported_media_type', `Content-Encoding ${encoding} is not supported`);
  }
}

/** Reads and discards whatever is left of the request, then calls back. */
function drain(req: IncomingMessage, done: () => void): void {
  if (req.complete || req.destroyed) {
    done();
    return;
  }
  req.removeAllListeners('data');
  req.on('end', done);
  req.on('close', done);
  req.on('error', () => {});
  req.resume();
}

/** Collects the bytes of `stream`, at most BODY_LIMIT_BYTES of them. */
function readBytes(req: IncomingMessage, stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: MockError): void => {
      if (settled) return;
      settled = true;
      if (stream !== req) {
        req.unpipe();
        stream.on('error', () => {});
        stream.destroy();
      }
      drain(req, () => reject(error));
    };
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) fail(new MockError('too_large', 'Request body is larger than the 1 MiB limit'));
      else if (!settled) chunks.push(chunk);
    });
    stream.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    stream.on('error', (err: Error & { code?: unknown }) => {
      const zlibError = typeof err.code === 'string' && err.code.startsWith('Z_');
      fail(
        new MockError(
          'invalid',
          zlibError
            ? 'Request body could not be decompressed: it does not match its Content-Encoding'
            : 'Request body was cut off before it was complete',
        ),
      );
    });
    // A client that goes away mid-body: nobody is left to answer, but the promise must settle.
    req.on('close', () => {
      if (!req.complete) fail(new MockError('invalid', 'Request body was cut off before it was complete'));
    });
  });
}

/**
 * The parsed JSON body of `req`, or undefined when it has none. The caller
 * decides whether a missing body is an error. The text is noted for the
 * journal as soon as it is read.
 */
export async function readJsonBody(req: IncomingMessage): Promise<JsonBody | undefined> {
  if (!hasBody(req)) return undefined;
  let stream: Readable;
  try {
    checkContentType(req);
    const declared = Number(req.headers['content-length']);
    if (declared > BODY_LIMIT_BYTES) throw new MockError('too_large', 'Request body is larger than the 1 MiB limit');
    stream = contentStream(req);
  } catch (error) {
    await new Promise<void>((done) => drain(req, done));
    throw error;
  }
  const bytes = await readBytes(req, stream);
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Noted before it is judged: the journal shows what was sent, also when it is refused.
  noteRequestText(req, text);
  const duplicate = findDuplicateKey(bytes);
  if (duplicate !== undefined) {
    throw new MockError('invalid', `Request body names the field ${duplicate} twice; each field may appear only once`);
  }
  if (text.length === 0) return { value: {} };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    throw new MockError('invalid', 'Request body is not valid JSON');
  }
}

/**
 * The body of a request that is answered without reading it (an injected
 * fault), as text for the journal: nothing is checked and a failure to read
 * it only means the journal shows no body.
 */
export async function readBodyTextLeniently(req: IncomingMessage): Promise<string | undefined> {
  if (!hasBody(req) || Number(req.headers['content-length']) > BODY_LIMIT_BYTES) {
    await new Promise<void>((done) => drain(req, done));
    return undefined;
  }
  try {
    return (await readBytes(req, contentStream(req))).toString('utf8');
  } catch {
    await new Promise<void>((done) => drain(req, done));
    return undefined;
  }
}
