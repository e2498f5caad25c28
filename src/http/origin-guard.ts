// Keeps other web pages away from the mock. A page open in the developer's
// browser can send requests to 127.0.0.1 (a form post, or a fetch in no-cors
// mode with a text/plain body needs no CORS preflight), and through DNS
// rebinding it can even read the answers: its own name (evil.example) comes to
// resolve to 127.0.0.1, so the browser treats the mock as that page's origin.
// Both carry a tell the page cannot hide: the browser's `Origin` header names
// the page, and `Host` names the page's host instead of the mock's.
//
// So, before any route (Credits API, /_mock, the dashboard, the docs):
// - a request with an `Origin` header is refused unless that origin is the
//   mock's own (same scheme, host and port as the request's Host) or listed in
//   allowedOrigins. Clients that are not browsers (curl, SDKs, Pact) send no
//   Origin and are not affected; `Origin: null` (sandboxed frames, file://
//   pages) is refused, since any page can make itself one;
// - a `Host` that a rebinding page could have, unless allowedHosts lists it:
//   bound to a loopback address, any name but a loopback one (localhost,
//   *.localhost, 127.x, [::1]); bound to another address (0.0.0.0 in a
//   container, whose port may well be published on the developer's
//   127.0.0.1), a name with a dot. Rebinding needs a name the page's author
//   can point at the mock in public DNS, so IP addresses and names without a
//   dot (a compose service such as `togai`, a container's hostname) are
//   answered there, as is the address the server is bound to.
// `*` in either list turns that check off. The refusal is a Togai-style 403
// naming the setting that allows more.

import type { RequestHandler } from 'express';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { MockError } from '../domain/errors.js';

export interface OriginGuardOptions {
  /** The address the server is bound to (TogaiMockOptions.host). */
  host: string;
  /** Further Host names (any port): `name`, `.name` (or `*.name`) for it and its subdomains, or `*`. */
  allowedHosts: readonly string[];
  /** Further origins (`http://app.test:3000`), or `*`. */
  allowedOrigins: readonly string[];
}

const HOSTS_SETTING = 'TOGAI_MOCK_ALLOWED_HOSTS (--allowed-hosts)';
const ORIGINS_SETTING = 'TOGAI_MOCK_ALLOWED_ORIGINS (--allowed-origins)';

/**
 * A host name as the URL parser writes it: lower case, IPv4 in dotted
 * quads (`127.1` and `2130706433` are 127.0.0.1), IPv6 in brackets, no
 * trailing dot; with the port when one was given. Undefined when the text is
 * not a host with an optional port (a path, a user, a scheme).
 */
function parseHost(text: string): { name: string; port: string } | undefined {
  const raw = isIPv6(text) ? `[${text}]` : text;
  if (raw === '' || /[\s/?#@\\]/.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(`http://${raw}`);
  } catch {
    return undefined;
  }
  const name = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname;
  return name === '' ? undefined : { name, port: url.port };
}

/** An allowedHosts entry in the form the guard compares (`*`, `name`, `.name`); undefined when it is not one. */
export function hostEntry(text: string): string | undefined {
  const raw = text.trim();
  if (raw === '*') return raw;
  // `.name` as webpack-dev-server and Vite write it; `*.name` is read the same way.
  const suffix = raw.startsWith('.') || raw.startsWith('*.');
  const body = suffix ? raw.slice(raw.indexOf('.') + 1) : raw;
  if (body.includes('*')) return undefined;
  // Any port is allowed, so an entry names none (the parser would drop a default one silently).
  if (!isIPv6(body) && body.replace(/^\[[^\]]*\]$/, '').includes(':')) return undefined;
  const host = parseHost(body);
  if (!host) return undefined;
  return suffix ? `.${host.name}` : host.name;
}

/** An allowedOrigins entry as a browser writes it (`http://app.test:3000`, no path); undefined when it is not one. */
export function originEntry(text: string): string | undefined {
  const raw = text.trim();
  if (raw === '*') return raw;
  if (!/^https?:\/\/[^/?#@\s]+\/?$/i.test(raw)) return undefined;
  try {
    return new URL(raw).origin;
  } catch {
    return undefined;
  }
}

/** localhost, *.localhost (RFC 6761), 127.0.0.0/8, ::1 and ::ffff:127.x: names only this machine answers to. */
export function isLoopbackName(name: string): boolean {
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    /^127\.\d+\.\d+\.\d+$/.test(name) ||
    name === '[::1]' ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(name)
  );
}

/** An IPv4 or IPv6 address as parseHost writes it (the URL parser reads every numeric IPv4 form). */
const isIpAddress = (name: string): boolean => name.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(name);

/** Whether an address given to listen() is a loopback one. */
export function isLoopbackBind(bindHost: string): boolean {
  const host = parseHost(bindHost);
  return host !== undefined && isLoopbackName(host.name);
}

/** A header value shown in a message: quoted, and short whatever the client sent. */
const shown = (value: string): string => JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);

/** The request headers the rules read. */
export interface GuardedHeaders {
  host?: string | undefined;
  origin?: string | undefined;
}

/**
 * The rules for one server: a function saying why a request must be
 * refused, or undefined when it may go on. Pure, so they can be read (and
 * tested) apart from Express. Entries that are not hosts or origins are
 * ignored here; the options parser refuses them with a message.
 */
export function originRules(options: OriginGuardOptions): (headers: GuardedHeaders) => string | undefined {
  const hosts = options.allowedHosts.map(hostEntry).filter((h): h is string => h !== undefined);
  const origins = new Set(options.allowedOrigins.map(originEntry).filter((o): o is string => o !== undefined));
  const loopbackBind = isLoopbackBind(options.host);
  // The address it is bound to is its own name too, unless it is "any address".
  const boundName = parseHost(options.host)?.name;
  const bound = boundName === '0.0.0.0' || boundName === '[::]' ? undefined : boundName;
  const checkHost = !hosts.includes('*');
  const hostAllowed = (name: string): boolean =>
    isLoopbackName(name) ||
    hosts.some((h) => h === name || (h.startsWith('.') && (name === h.slice(1) || name.endsWith(h)))) ||
    (!loopbackBind && (name === bound || isIpAddress(name) || !name.includes('.')));

  return ({ host, origin }) => {
    // A request without Host (HTTP/1.0) comes from no browser: browsers always send one.
    if (checkHost && host !== undefined) {
      const name = parseHost(host)?.name;
      if (name === undefined || !hostAllowed(name)) {
        const why = loopbackBind
          ? `this mock listens on ${options.host} and answers only to loopback names (localhost, 127.0.0.1, [::1])`
          : 'this mock answers only to IP addresses, loopback names and names without a dot unless a name is listed';
        return (
          `Host ${shown(host)} is not allowed: ${why}, so that no web page can reach it by DNS rebinding. ` +
          `To allow this name, add it to ${HOSTS_SETTING}`
        );
      }
    }

    if (origin === undefined || origins.has('*')) return undefined;
    if (origin === 'null') {
      return (
        'Requests from other web pages are refused: Origin "null" (a sandboxed frame, a file:// page, a redirect) ' +
        `could be any page. Only "*" in ${ORIGINS_SETTING} lets it through`
      );
    }
    const page = originEntry(origin);
    if (page !== undefined && page !== '*' && (page === ownOrigin(page, host) || origins.has(page))) return undefined;
    const ours = host === undefined ? '' : ` (http://${host.length > 100 ? `${host.slice(0, 100)}...` : host})`;
    return (
      `Requests from other web pages are refused: Origin ${shown(origin)} is not this mock's own${ours}. ` +
      `To allow that page, add its origin to ${ORIGINS_SETTING}`
    );
  };
}

/**
 * The origin of the request's own URL as a page of scheme `page` would
 * write it: the Host, with the scheme's default port left out. https counts
 * for a TLS proxy in front that keeps Host.
 */
function ownOrigin(page: string, host: string | undefined): string | undefined {
  if (host === undefined || parseHost(host) === undefined) return undefined;
  const scheme = page.startsWith('https:') ? 'https:' : 'http:';
  try {
    return new URL(`${scheme}//${isIPv6(host) ? `[${host}]` : host}`).origin;
  } catch {
    return undefined;
  }
}

// A client that is not a browser, on a loopback name: nothing to check, no URL parsed.
const PLAIN_LOCAL_HOST = /^(?:127\.0\.0\.1|localhost)(?::\d{1,5})?$/;

/** The Express layer: a 403 `{"message"}` (through the one error mapping) for what the rules refuse, logged at warn. */
export function originGuard(options: OriginGuardOptions, logger: Logger): RequestHandler {
  const refusalOf = originRules(options);
  return (req, res, next) => {
    const { origin, host } = req.headers;
    if (origin === undefined && (host === undefined || PLAIN_LOCAL_HOST.test(host))) {
      next();
      return;
    }
    const refusal = refusalOf({ host, origin });
    if (refusal === undefined) {
      next();
      return;
    }
    logger.warn(
      { reqId: res.getHeader('x-request-id'), method: req.method, path: req.path, origin, host },
      'refused a request from another web page',
    );
    next(new MockError('forbidden', refusal));
  };
}
