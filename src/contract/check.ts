// `togai-mock check-pacts`: judges pacts against spec/togai-credits.yaml and
// spec/togai-accounts.yaml without running anything (what PactFlow calls bi-directional testing, done
// locally). For every interaction it asks: could the real API ever behave
// like this? Unknown paths and methods, invalid requests that expect success,
// missing credentials that expect anything but 401, statuses the spec does not
// list, and expected response fields of the wrong type or that the API never
// sends are errors. Provider states outside togai-mock's vocabulary are
// warnings (`verify` will fail on them).
//
// The validators come from the same spec compilation the mock uses. Expected
// response bodies are judged against a copy of the spec without `required`:
// a consumer names only the fields it reads, so absence is never wrong, but a
// present field must exist in the API and have the right type.

import type { ValidateFunction } from 'ajv';
import type { OpenAPIV3 } from 'openapi-types';
import { ACCOUNTS_SPEC_FILE, CREDITS_SPEC_FILE, deref, loadSpec } from '../spec/load.js';
import { describeError } from '../spec/messages.js';
import { compileOperations, type CompiledOperation } from '../spec/operations.js';
import { PROVIDER_STATES, type ProviderStateName } from '../spec/provider-states.js';
import { headerValues, readPacts, type PactInteraction } from './pacts.js';
import { isKnownState } from './states.js';

export interface CheckProblem {
  severity: 'error' | 'warning';
  file: string;
  interaction: string;
  message: string;
}

export interface CheckResult {
  files: number;
  interactions: number;
  problems: CheckProblem[];
  errors: number;
  warnings: number;
}

interface Route {
  op: CompiledOperation;
  /** The same operation with `required` dropped, for judging expected responses. */
  partial: CompiledOperation;
  pattern: RegExp;
  names: string[];
  /** Query parameters the operation documents. */
  queryNames: Set<string>;
}

function withoutRequired(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRequired);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // `required` lists in schemas go; `required: true` of parameters and bodies stays.
    if (k === 'required' && Array.isArray(v)) continue;
    out[k] = withoutRequired(v);
  }
  return out;
}

function queryParameterNames(doc: OpenAPIV3.Document, op: CompiledOperation): string[] {
  const item = doc.paths[op.path]!;
  const params = [...(item.parameters ?? []), ...(item[op.method]?.parameters ?? [])];
  return params
    .map((p) => deref<OpenAPIV3.ParameterObject>(doc, p))
    .filter((p) => p.in === 'query')
    .map((p) => p.name);
}

let routes: Route[] | undefined;

/** The Togai API documents the mock serves, by the id their compilations are named after. */
const DOCUMENTS: ReadonlyArray<readonly [string, string]> = [
  ['togai-credits', CREDITS_SPEC_FILE],
  ['togai-accounts', ACCOUNTS_SPEC_FILE],
];

function compiledRoutes(): Route[] {
  routes ??= DOCUMENTS.flatMap(([id, file]) => documentRoutes(id, loadSpec(file)));
  return routes;
}

function documentRoutes(id: string, doc: OpenAPIV3.Document): Route[] {
  const full = compileOperations(doc, `${id}-check`).operations;
  const partial = compileOperations(withoutRequired(doc) as OpenAPIV3.Document, `${id}-partial`).operations;
  return full.map((op) => {
    const names: string[] = [];
    const source = op.path
      .split(/(\{[^}]+\})/)
      .map((part) => {
        const m = /^\{([^}]+)\}$/.exec(part);
        if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(m[1]!);
        return '([^/]+)';
      })
      .join('');
    return {
      op,
      partial: partial.find((p) => p.operationId === op.operationId)!,
      pattern: new RegExp(`^${source}/?$`),
      names,
      queryNames: new Set(queryParameterNames(doc, op)),
    };
  });
}

const firstError = (validate: ValidateFunction, data: unknown, root: string): string | undefined =>
  validate(data) ? undefined : describeError(validate.errors![0]!, root);

/** Every problem of one interaction. */
export function checkInteraction(i: PactInteraction): Array<Omit<CheckProblem, 'file' | 'interaction'>> {
  const problems: Array<Omit<CheckProblem, 'file' | 'interaction'>> = [];
  const error = (message: string) => problems.push({ severity: 'error', message });
  const warning = (message: string) => problems.push({ severity: 'warning', message });
  const expected = i.response.status;

  for (const s of i.providerStates) {
    if (!isKnownState(s.name)) {
      warning(`provider state '${s.name}' is not in togai-mock's vocabulary; togai-mock verify cannot set it up`);
      continue;
    }
    const missing = PROVIDER_STATES[s.name as ProviderStateName].filter((p) => s.params[p] === undefined);
    if (missing.length > 0) warning(`provider state '${s.name}' lacks params ${missing.join(', ')}`);
  }

  const rawPath = i.request.path.split('?')[0]!;
  let pathname = rawPath;
  try {
    pathname = decodeURI(rawPath);
  } catch {
    // keep the raw path; it will fail to match if it is malformed
  }
  const onPath = compiledRoutes().filter((r) => r.pattern.test(pathname));
  if (onPath.length === 0) {
    error(`${i.request.method} ${rawPath}: no such path in the Togai API`);
    return problems;
  }
  const route = onPath.find((r) => r.op.method.toUpperCase() === i.request.method);
  if (!route) {
    const allowed = onPath
      .map((r) => r.op.method.toUpperCase())
      .sort()
      .join(', ');
    error(`${i.request.method} ${rawPath}: method not allowed on this path (allowed: ${allowed})`);
    return problems;
  }
  const { op, partial } = route;
  const where = `${op.operationId}`;

  // ---- request: would the real API accept it?
  const requestProblems: string[] = [];
  const credentials =
    headerValues(i.request.headers, 'authorization')?.some((v) => /^Bearer[ \t]+\S/i.test(v)) ||
    headerValues(i.request.headers, 'x-api-key')?.some((v) => v.trim() !== '');
  if (op.secured && !credentials && expected !== 401) {
    error(
      `${where}: the request carries no credentials (Authorization: Bearer or X-API-Key) but expects ${expected}; the real API answers 401`,
    );
  }
  if (op.pathParams) {
    const m = route.pattern.exec(pathname)!;
    const params = Object.fromEntries(route.names.map((n, k) => [n, m[k + 1]!]));
    const e = firstError(op.pathParams, params, 'path');
    if (e) requestProblems.push(`request path: ${e}`);
  }
  const query: Record<string, unknown> = {};
  for (const [k, vs] of Object.entries(i.request.query)) query[k] = vs.length === 1 ? vs[0] : vs;
  const known = route.queryNames;
  for (const k of Object.keys(query)) {
    if (!known.has(k))
      warning(`${where}: query parameter '${k}' is not in the spec; the real API ignores or rejects it`);
  }
  if (op.queryParams) {
    const e = firstError(op.queryParams, { ...query }, 'query');
    if (e) requestProblems.push(`request query: ${e}`);
  }
  const sentType = headerValues(i.request.headers, 'content-type');
  if (
    op.body &&
    i.request.body !== undefined &&
    sentType &&
    !sentType.some((t) => /json/i.test(t)) &&
    expected !== 415
  ) {
    error(`${where}: the request body is sent as ${sentType.join(', ')}; the API takes application/json only`);
  }
  if (op.body) {
    if (i.request.body === undefined) {
      if (op.body.required) requestProblems.push('request body is required (application/json)');
    } else {
      const e = firstError(op.body.validate, i.request.body, 'request body');
      if (e) requestProblems.push(e);
    }
  } else if (i.request.body !== undefined && i.request.body !== '') {
    warning(`${where}: the request has a body, which the operation does not take`);
  }
  // An invalid request is fine when the consumer expects it to be refused.
  if (requestProblems.length > 0 && expected !== 400) {
    for (const p of requestProblems)
      error(`${where}: ${p}, yet the interaction expects ${expected}; the real API answers 400`);
  }

  // ---- expected response: could the real API send it?
  const status = String(expected);
  const documented = op.responses.has(status);
  if (!documented) {
    if (expected < 400 || !op.responses.has('default')) {
      error(
        `${where}: status ${expected} is not a response of this operation (documented: ${[...op.responses.keys()].join(', ')})`,
      );
      return problems;
    }
    warning(
      `${where}: status ${expected} is not listed for this operation; only its 'default' error response covers it`,
    );
  }
  const validate = partial.responses.get(status) ?? partial.responses.get('default');
  if (validate && i.response.body !== undefined) {
    if (!validate(i.response.body)) {
      const seen = new Set<string>();
      for (const e of validate.errors ?? []) {
        const message = describeError(e, 'expected response body');
        if (seen.has(message)) continue;
        seen.add(message);
        error(
          `${where} ${expected}: ${message}${e.keyword === 'additionalProperties' ? ' (the real API never sends it)' : ''}`,
        );
      }
    }
  }
  const type = headerValues(i.response.headers, 'content-type');
  if (type && !type.some((t) => /json/i.test(t))) {
    error(`${where} ${expected}: expects Content-Type ${type.join(', ')}; the API answers application/json`);
  }
  return problems;
}

export function checkPacts(paths: string[]): CheckResult {
  const pacts = readPacts(paths);
  const problems: CheckProblem[] = [];
  let interactions = 0;
  for (const pact of pacts) {
    for (const skipped of pact.skipped) {
      problems.push({
        severity: 'warning',
        file: pact.file,
        interaction: skipped,
        message: 'not an HTTP interaction; not checked',
      });
    }
    for (const i of pact.interactions) {
      interactions++;
      for (const p of checkInteraction(i)) problems.push({ ...p, file: pact.file, interaction: i.description });
    }
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  return { files: pacts.length, interactions, problems, errors, warnings: problems.length - errors };
}
