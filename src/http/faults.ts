// Misbehaviour on purpose, for the Togai API routes only: fault rules
// (POST /_mock/faults), the per-credential rate limit, and Prism's per-request
// `Prefer: code=NNN`. The stage runs after authentication and before the body
// is parsed and the handler runs, so an injected failure never changes state.
//
// Order: `Prefer: code` (the caller asked explicitly), then the rate limit,
// then fault rules in the order they were added.

import type { Request, Response } from 'express';
import { MockError } from '../domain/errors.js';
import { seededRandom } from '../domain/ids.js';
import type { components } from '../spec/control-types.gen.js';
import type { CompiledOperation } from '../spec/operations.js';
import type { MockRuntime } from '../runtime.js';
import { readBodyTextLeniently } from './body.js';
import { sendMessage } from './errors.js';
import { noteRequestText, pathMatches } from './journal.js';
import type { Guard } from './pipeline.js';

// Shapes from spec/togai-mock-control.yaml (generated types; never restated here).
type Schemas = components['schemas'];
export type FaultMatch = Schemas['FaultMatch'];
export type FaultInput = Schemas['FaultInput'];
/** A stored rule; `tenant` (a tenant key) limits it to one tenant. */
export type FaultRule = Schemas['Fault'];

export class FaultRules {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private readonly random: () => number;

  /** With a seed, `probability` draws are reproducible too. */
  constructor(seed?: number) {
    const r = seed === undefined ? undefined : seededRandom(seed);
    this.random = r === undefined ? Math.random : () => r() / 2 ** 32;
  }

  add(input: FaultInput, tenant?: string): FaultRule {
    const rule: FaultRule = { id: `fault_${this.nextId++}`, match: { ...input.match }, probability: input.probability ?? 1, fired: 0 };
    if (rule.match.method !== undefined) rule.match.method = rule.match.method.toUpperCase();
    // A rule with neither a status nor a latency would do nothing: make it a 503.
    if (input.status !== undefined) rule.status = input.status;
    else if (input.latencyMs === undefined) rule.status = 503;
    if (input.message !== undefined) rule.message = input.message;
    if (input.latencyMs !== undefined) rule.latencyMs = input.latencyMs;
    if (input.times !== undefined) {
      rule.times = input.times;
      rule.remaining = input.times;
    }
    if (tenant !== undefined) rule.tenant = tenant;
    this.rules.push(rule);
    return { ...rule };
  }

  /** Every rule, or only those limited to one tenant. */
  list(tenant?: string): FaultRule[] {
    return this.rules.filter((r) => tenant === undefined || r.tenant === tenant).map((r) => ({ ...r, match: { ...r.match } }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  /** Removes every rule, or only those limited to one tenant. */
  clear(tenant?: string): void {
    this.rules = tenant === undefined ? [] : this.rules.filter((r) => r.tenant !== tenant);
  }

  /**
   * The first rule that matches and fires for this request. Firing counts
   * against `times`; a used-up rule is removed. A rule that matches but loses
   * its probability draw does not count.
   */
  fire(req: { method: string; path: string }, op: CompiledOperation, tenant: string | undefined): FaultRule | undefined {
    for (const rule of this.rules) {
      const m = rule.match;
      if (rule.tenant !== undefined && rule.tenant !== tenant) continue;
      if (m.method !== undefined && m.method !== req.method.toUpperCase()) continue;
      if (m.operationId !== undefined && m.operationId !== op.operationId) continue;
      if (m.path !== undefined && !pathMatches(m.path, req.path, op.path)) continue;
      if (rule.probability < 1 && !(this.random() < rule.probability)) continue;
      rule.fired++;
      if (rule.remaining !== undefined) {
        rule.remaining--;
        if (rule.remaining <= 0) this.remove(rule.id);
      }
      return { ...rule };
    }
    return undefined;
  }
}

/** Sliding one-second window per credential: at most `limit` requests in any 1000 ms. */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(
    public limit: number = 0,
    private readonly now: () => number = Date.now,
  ) {}

  set(limit: number): void {
    this.limit = limit;
    this.windows.clear();
  }

  /** Counts a request; answers the seconds to wait when it is over the limit. */
  hit(key: string): number | undefined {
    if (this.limit <= 0) return undefined;
    const now = this.now();
    let times = this.windows.get(key);
    if (!times) {
      if (this.windows.size > 10_000) this.sweep(now);
      times = [];
      this.windows.set(key, times);
    }
    while (times.length > 0 && times[0]! <= now - 1000) times.shift();
    if (times.length >= this.limit) {
      // Retry-After is whole seconds; the window frees a slot when its oldest request turns 1 s old.
      return Math.max(1, Math.ceil((times[0]! + 1000 - now) / 1000));
    }
    times.push(now);
    return undefined;
  }

  private sweep(now: number): void {
    for (const [k, times] of this.windows) if (times.length === 0 || times[times.length - 1]! <= now - 1000) this.windows.delete(k);
  }
}

/** `Prefer: code=429` (Prism's convention), or undefined. */
export function preferredCode(req: Request): number | undefined {
  const header = req.headers.prefer;
  if (header === undefined) return undefined;
  const m = /(?:^|[\s,;])code=(\d{3})(?:$|[\s,;])/.exec(` ${Array.isArray(header) ? header.join(',') : header} `);
  return m ? Number(m[1]) : undefined;
}

/**
 * An injected answer. Written here rather than thrown as a MockError because
 * a fault may use any status from 400 to 599, not only the kinds the error
 * mapping knows; the body is Togai's `{"message"}` all the same. The request
 * body is read first (for the journal only; it is never parsed or judged).
 */
async function answer(req: Request, res: Response, status: number, message: string, headers?: Record<string, string>): Promise<false> {
  const text = await readBodyTextLeniently(req);
  if (text !== undefined) noteRequestText(req, text);
  if (!res.headersSent) sendMessage(res, status, message, headers);
  return false;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The fault stage of one operation: true to go on (synchronously, when
 * nothing applies: the common case costs no promise), false once a fault
 * has answered.
 */
export function faultStage(runtime: MockRuntime, op: CompiledOperation): Guard {
  const documented = [...op.responses.keys()].filter((k) => /^\d{3}$/.test(k)).map(Number);
  const injected = async (req: Request, res: Response, rule: FaultRule): Promise<boolean> => {
    if (rule.latencyMs !== undefined && rule.latencyMs > 0) await sleep(rule.latencyMs);
    if (rule.status === undefined) return true;
    return answer(req, res, rule.status, rule.message ?? `Fault injected by togai-mock (rule ${rule.id})`);
  };
  return (req, res) => {
    const tenant = typeof res.locals.tenantKey === 'string' ? res.locals.tenantKey : undefined;

    const code = preferredCode(req);
    if (code !== undefined) {
      if (!documented.includes(code)) {
        throw new MockError(
          'invalid',
          `Prefer: code=${code} is not a documented status of ${op.operationId}; documented: ${documented.join(', ')}`,
        );
      }
      if (code >= 400) {
        res.locals.fault = 'prefer';
        const headers = code === 429 ? { 'Retry-After': '1' } : undefined;
        return answer(req, res, code, `Status ${code} forced by the request's Prefer: code=${code} header (togai-mock)`, headers);
      }
      // A documented success status is what the handler answers anyway.
    }

    if (runtime.rateLimiter.limit > 0) {
      const key = typeof res.locals.credential === 'string' ? `c:${res.locals.credential}` : `ip:${req.ip ?? ''}`;
      const wait = runtime.rateLimiter.hit(key);
      if (wait !== undefined) {
        res.locals.fault = 'rate-limit';
        throw new MockError(
          'rate_limited',
          `Rate limit exceeded: at most ${runtime.rateLimiter.limit} requests per second per credential; retry after ${wait} s`,
          { 'Retry-After': String(wait) },
        );
      }
    }

    const rule = runtime.faults.fire(req, op, tenant);
    if (rule === undefined) return true;
    res.locals.fault = rule.id;
    return injected(req, res, rule);
  };
}
