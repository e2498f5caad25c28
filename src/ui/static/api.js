// The dashboard's only way to the data: thin calls to the /_mock control API
// with the admin token and tenant the user entered (kept in sessionStorage,
// so they vanish with the tab and never reach localStorage or a URL).

const TOKEN_KEY = 'togai-mock.adminToken';
const TENANT_KEY = 'togai-mock.tenant';

export function settings() {
  return {
    token: sessionStorage.getItem(TOKEN_KEY) ?? '',
    tenant: sessionStorage.getItem(TENANT_KEY) ?? '',
  };
}

export function saveSettings({ token, tenant }) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  if (tenant) sessionStorage.setItem(TENANT_KEY, tenant);
  else sessionStorage.removeItem(TENANT_KEY);
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

// The page lives at <base>/_mock/ui/; resolving against it keeps the
// dashboard working behind a reverse proxy that adds a path prefix.
const controlBase = new URL('../', document.baseURI);

/** Builds "accounts?offset=0&limit=50" relative to /_mock/, skipping empty params. */
export function controlUrl(path, query = {}) {
  const url = new URL(path, controlBase);
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  return url;
}

const listeners = new Set();
/** Called with every failed call (for the status line). */
export function onApiError(fn) {
  listeners.add(fn);
}

/**
 * call('GET', 'accounts', { query: { offset: 0 } }) -> parsed JSON (undefined for 204).
 * Throws ApiError carrying the mock's {"message"}. With `optional`, a 404
 * answers undefined instead (something that may simply not exist, not a failure).
 */
export async function call(method, path, { query, body, optional = false } = {}) {
  const { token, tenant } = settings();
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (tenant) headers['x-mock-tenant'] = tenant;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(controlUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (err) {
    throw report(new ApiError(0, `The mock is not reachable (${err.message})`));
  }
  const text = await res.text();
  let parsed;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (optional && res.status === 404) return undefined;
  if (!res.ok) {
    const message = parsed && typeof parsed.message === 'string' ? parsed.message : `HTTP ${res.status}`;
    const hint = res.status === 401 ? ' — enter the admin token above' : '';
    throw report(new ApiError(res.status, `${method} /_mock/${path}: ${res.status} ${message}${hint}`));
  }
  return parsed;
}

function report(err) {
  for (const fn of listeners) fn(err);
  return err;
}
