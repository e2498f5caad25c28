// Verifies pacts against a provider with Pact's own verifier: togai-mock
// started in-process (the default), another togai-mock, or a real Togai.
//
// Pact JS answers a state handler's failure with a plain 200 and lets the
// interaction run anyway, which could pass an interaction whose state never
// existed. So this module keeps its own record: a state that fails or is
// unsupported makes the request under test answer 500 with the reason (the
// interaction fails where Pact reports it) and is listed in the summary.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken } from '../http/auth.js';
import { startTogaiMock, type TogaiMock } from '../index.js';
import type { TogaiMockOptions } from '../options.js';
import { PROVIDER_STATE_NAMES } from '../spec/provider-states.js';
import { readPacts, type PactFile } from './pacts.js';
import {
  UnsupportedStateError,
  apiStateDriver,
  isKnownState,
  isTogaiMock,
  mockStateDriver,
  type StateDriver,
} from './states.js';

export interface ConsumerVersionSelector {
  tag?: string;
  latest?: boolean;
  consumer?: string;
  deployedOrReleased?: boolean;
  deployed?: boolean;
  released?: boolean;
  environment?: string;
  fallbackTag?: string;
  branch?: string;
  mainBranch?: boolean;
  matchingBranch?: boolean;
}

export interface VerifyOptions {
  /** Pact files or directories. Either this or brokerUrl. */
  pacts?: string[];
  brokerUrl?: string;
  brokerToken?: string;
  brokerUsername?: string;
  brokerPassword?: string;
  consumerVersionSelectors?: ConsumerVersionSelector[];
  /** Provider name in the broker. */
  provider?: string;
  /** Default: a togai-mock started in-process on a free port. */
  providerBaseUrl?: string;
  /** Replaces the credential of interactions that carry one; never added to others. */
  token?: string;
  /** Admin token of a togai-mock provider. */
  adminToken?: string;
  /** How states are set up; auto = mock if the base URL answers /_mock/health. */
  states?: 'auto' | 'mock' | 'api';
  /** Options of the in-process mock. */
  mockOptions?: Partial<TogaiMockOptions>;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** Where progress and the summary go (default: stdout). */
  out?: (line: string) => void;
}

export interface StateProblem {
  state: string;
  params: Record<string, unknown>;
  reason: string;
  unsupported: boolean;
  /** Interactions (from local pact files) that use the state. */
  usedBy: string[];
}

export interface VerifyResult {
  passed: boolean;
  providerBaseUrl: string;
  providerKind: 'mock' | 'api';
  /** Error raised by Pact's verifier (failed interactions), if any. */
  verifierError?: string;
  stateProblems: StateProblem[];
  /** One line per failed interaction: which one, and why. */
  failedInteractions: string[];
  /** Responses of the in-process mock that did not match spec/. */
  selfCheckFailures: string[];
  interactions: number;
}

export class VerifyUsageError extends Error {
  override name = 'VerifyUsageError';
}

const STATE_PATH = '/_pactSetup';

type Filter = (req: IncomingMessage & { path?: string; body?: unknown }, res: ServerResponse, next: () => void) => void;

/**
 * Swaps the credential of a request that carries one. A consumer's
 * "no credentials" or "malformed header" interaction is left exactly as written.
 */
export function replaceCredential(headers: IncomingMessage['headers'], token: string): void {
  const auth = headers.authorization;
  if (bearerToken(auth) !== undefined) headers.authorization = `Bearer ${token}`;
  const key = headers['x-api-key'];
  if (typeof key === 'string' && key.trim() !== '') headers['x-api-key'] = token;
}

export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (!options.pacts?.length && !options.brokerUrl)
    throw new VerifyUsageError('give pact files (--pacts) or a broker (--broker-url)');
  // Pact URLs go to the verifier as they are; local files are also read here
  // for the summary (which interactions use which state).
  const isUrl = (p: string): boolean => /^https?:\/\//i.test(p);
  const remote = (options.pacts ?? []).filter(isUrl);
  const pacts: PactFile[] = readPacts((options.pacts ?? []).filter((p) => !isUrl(p)));

  // Pact's core reports usage to the network unless told not to; a mock used
  // offline in CI should not phone home. An explicit setting is respected.
  process.env.PACT_DO_NOT_TRACK ??= 'true';
  let pact: typeof import('@pact-foundation/pact');
  try {
    pact = await import('@pact-foundation/pact');
  } catch {
    throw new VerifyUsageError(
      'togai-mock verify needs @pact-foundation/pact: npm install --save-dev @pact-foundation/pact',
    );
  }

  let mock: TogaiMock | undefined;
  try {
    let baseUrl = options.providerBaseUrl?.replace(/\/+$/, '');
    if (baseUrl === undefined) {
      mock = await startTogaiMock({ validateResponses: true, ...options.mockOptions, port: 0, host: '127.0.0.1' });
      baseUrl = mock.url;
    }
    const mode = options.states ?? 'auto';
    const kind: 'mock' | 'api' = mode === 'auto' ? ((await isTogaiMock(baseUrl)) ? 'mock' : 'api') : mode;
    let driver: StateDriver;
    if (kind === 'mock') {
      driver = mockStateDriver({ baseUrl, adminToken: options.adminToken, tenantCredential: options.token });
    } else {
      if (!options.token) {
        throw new VerifyUsageError(
          `${baseUrl} is not a togai-mock; give --token (or TOGAI_API_TOKEN) to set up states through its API`,
        );
      }
      driver = apiStateDriver({ baseUrl, token: options.token });
    }

    const interactions = pacts.reduce((n, p) => n + p.interactions.length, 0);
    const where =
      kind === 'mock' ? 'togai-mock, states via /_mock/provider-states' : 'a real API, states via its Credits API';
    out(
      options.brokerUrl
        ? `togai-mock verify: pacts from ${options.brokerUrl} against ${baseUrl} (${where})`
        : `togai-mock verify: ${[
            ...(pacts.length ? [`${interactions} interaction(s) in ${pacts.length} pact file(s)`] : []),
            ...(remote.length ? [`${remote.length} pact URL(s)`] : []),
          ].join(' and ')} against ${baseUrl} (${where})`,
    );

    const usedBy = (state: string, params: Record<string, unknown>): string[] =>
      pacts.flatMap((p) =>
        p.interactions
          .filter((i) =>
            i.providerStates.some((s) => s.name === state && JSON.stringify(s.params) === JSON.stringify(params)),
          )
          .map((i) => `${p.consumer}: ${i.description}`),
      );
    const problems: StateProblem[] = [];
    // States of the interaction about to run that failed; consumed by its request.
    let pending: string[] = [];
    const record = (state: string, params: Record<string, unknown>, err: unknown): void => {
      const reason = err instanceof Error ? err.message : String(err);
      const unsupported = err instanceof UnsupportedStateError;
      problems.push({ state, params, reason, unsupported, usedBy: usedBy(state, params) });
      pending.push(`provider state '${state}' ${unsupported ? 'is unsupported here' : 'failed'}: ${reason}`);
    };

    const handler = (name: string) => ({
      setup: async (params: unknown) => {
        const p = (params ?? {}) as Record<string, unknown>;
        try {
          return await driver.setup(name, p);
        } catch (err) {
          record(name, p, err);
          return {};
        }
      },
      teardown: async (params: unknown) => {
        try {
          await driver.teardown(name, (params ?? {}) as Record<string, unknown>);
        } catch (err) {
          out(
            `warning: teardown of provider state '${name}' failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
        return undefined;
      },
    });
    const names = new Set<string>(
      pacts.flatMap((p) => p.interactions.flatMap((i) => i.providerStates.map((s) => s.name))),
    );
    const stateHandlers: Record<string, ReturnType<typeof handler>> = {};
    for (const name of names) if (isKnownState(name) || kind === 'mock') stateHandlers[name] = handler(name);
    // States from a broker are not known in advance: every vocabulary name gets a handler.
    for (const name of PROVIDER_STATE_NAMES) stateHandlers[name] ??= handler(name);

    const requestFilter: Filter = (req, res, next) => {
      if (req.path === STATE_PATH || req.url === STATE_PATH) {
        const body = (req.body ?? {}) as { state?: unknown; params?: unknown; action?: unknown };
        // Pact sends an empty state name for interactions without states.
        if (
          body.action === 'setup' &&
          typeof body.state === 'string' &&
          body.state !== '' &&
          !(body.state in stateHandlers)
        ) {
          record(
            body.state,
            (body.params ?? {}) as Record<string, unknown>,
            new UnsupportedStateError(`'${body.state}' is not a togai-mock provider state`),
          );
        }
        next();
        return;
      }
      if (pending.length > 0) {
        const message = `togai-mock verify: ${pending.join('; ')}`.slice(0, 500);
        pending = [];
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ message }));
        return;
      }
      if (options.token) replaceCredential(req.headers, options.token);
      next();
    };

    const verifier = new pact.Verifier({
      providerBaseUrl: baseUrl,
      ...(options.provider ? { provider: options.provider } : {}),
      ...(pacts.length + remote.length ? { pactUrls: [...pacts.map((p) => p.file), ...remote] } : {}),
      ...(options.brokerUrl
        ? {
            pactBrokerUrl: options.brokerUrl,
            ...(options.brokerToken ? { pactBrokerToken: options.brokerToken } : {}),
            ...(options.brokerUsername ? { pactBrokerUsername: options.brokerUsername } : {}),
            ...(options.brokerPassword ? { pactBrokerPassword: options.brokerPassword } : {}),
            ...(options.consumerVersionSelectors ? { consumerVersionSelectors: options.consumerVersionSelectors } : {}),
          }
        : {}),
      stateHandlers: stateHandlers as never,
      requestFilter: requestFilter as never,
      logLevel: options.logLevel ?? 'error',
      failIfNoPactsFound: true,
    });

    let verifierError: string | undefined;
    let failedInteractions: string[] = [];
    try {
      await verifier.verifyProvider();
    } catch (err) {
      verifierError = err instanceof Error ? err.message : String(err);
      failedInteractions = failuresOf(verifierError);
      if (failedInteractions.length > 0) verifierError = `${failedInteractions.length} interaction(s) failed`;
    }
    try {
      await driver.finish?.();
    } catch (err) {
      out(`warning: cleaning up after the provider states failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const selfCheckFailures = mock ? [...mock.runtime.selfCheckFailures] : [];
    const result: VerifyResult = {
      passed: verifierError === undefined && problems.length === 0 && selfCheckFailures.length === 0,
      providerBaseUrl: baseUrl,
      providerKind: kind,
      stateProblems: problems,
      selfCheckFailures,
      interactions,
      failedInteractions,
      ...(verifierError === undefined ? {} : { verifierError }),
    };
    for (const line of summarize(result)) out(line);
    return result;
  } finally {
    await mock?.close();
  }
}

export function summarize(r: VerifyResult): string[] {
  const lines: string[] = [];
  if (r.stateProblems.length > 0) {
    lines.push('Provider states that could not be set up (their interactions count as failed):');
    for (const p of r.stateProblems) {
      lines.push(`  - '${p.state}' ${JSON.stringify(p.params)}${p.unsupported ? ' [unsupported]' : ''}: ${p.reason}`);
      for (const u of p.usedBy) lines.push(`      used by: ${u}`);
    }
  }
  if (r.selfCheckFailures.length > 0) {
    lines.push('togai-mock answered responses that do not match spec/ (a togai-mock bug):');
    for (const f of r.selfCheckFailures) lines.push(`  - ${f}`);
  }
  if (r.failedInteractions.length > 0) {
    lines.push('Failed interactions:');
    for (const f of r.failedInteractions) lines.push(`  - ${f}`);
  }
  if (r.verifierError !== undefined) lines.push(`Pact verification failed: ${r.verifierError}`);
  lines.push(r.passed ? 'togai-mock verify: PASSED' : 'togai-mock verify: FAILED');
  return lines;
}

/**
 * Pact's verifier rejects with its JSON report as the message; this pulls out
 * each failed interaction with its mismatches, one line each.
 */
export function failuresOf(message: string): string[] {
  let report: {
    errors?: Array<{
      interaction?: string;
      mismatch?: { mismatches?: Array<{ mismatch?: string; path?: string }>; message?: string };
    }>;
  };
  try {
    report = JSON.parse(message);
  } catch {
    return [];
  }
  return (report.errors ?? []).map((e) => {
    const name = (e.interaction ?? '(unnamed interaction)').replace(/^Verifying a pact between /, '');
    const why =
      e.mismatch?.mismatches
        ?.map((m) => (m.path && m.path !== '' ? `${m.path}: ${m.mismatch}` : String(m.mismatch)))
        .join('; ') ??
      e.mismatch?.message ??
      'failed';
    return `${name}: ${why}`;
  });
}
