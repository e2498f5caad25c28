// The fault rules of POST /_mock/faults: what to break, for which requests,
// how often. One set per running mock; a rule may be limited to one tenant.
// The stage that applies them to requests is http/faults.ts.
//
// The rules are state: adding, removing and firing them are logged commands
// (commands.ts), so a `times: 1` rule fires once across every process that
// shares the log. Firing is therefore deterministic: the probability draws
// come from the caller (the command's entropy), never from this object.

import type { Random32 } from '../../domain/ids.js';
import type { components } from '../../spec/control-types.gen.js';
import { pathMatches } from '../../spec/paths.js';

// Shapes from spec/togai-mock-control.yaml (generated types; never restated here).
type Schemas = components['schemas'];
export type FaultMatch = Schemas['FaultMatch'];
/** A rule as asked for; `probability` defaults to 1 (the schema's default, also when no validator filled it in). */
export type FaultInput = Omit<Schemas['FaultInput'], 'probability'> & { probability?: number | undefined };
/** A stored rule; `tenant` (a tenant key) limits it to one tenant. */
export type FaultRule = Schemas['Fault'];

/** What a rule is matched against: the request and the operation it was routed to. */
export interface FaultTarget {
  method: string;
  path: string;
  operationId: string;
  /** The operation's path template, for `match.path` written as a template. */
  template: string;
}

/** The rules as kept in snapshots. */
export interface FaultRulesJson {
  rules: FaultRule[];
  nextId: number;
}

export class FaultRules {
  private rules: FaultRule[] = [];
  private nextId = 1;
  get size(): number {
    return this.rules.length;
  }

  add(input: FaultInput, tenant?: string): FaultRule {
    const rule: FaultRule = {
      id: `fault_${this.nextId++}`,
      match: { ...input.match },
      probability: input.probability ?? 1,
      fired: 0,
    };
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
    return this.rules
      .filter((r) => tenant === undefined || r.tenant === tenant)
      .map((r) => ({ ...r, match: { ...r.match } }));
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

  /** Whether some rule matches this request (before any probability draw): a cheap look, changes nothing. */
  matches(target: FaultTarget, tenant: string | undefined): boolean {
    return this.rules.some((rule) => matchesRule(rule, target, tenant));
  }

  /**
   * The first rule that matches and fires for this request. Firing counts
   * against `times`; a used-up rule is removed. A rule that matches but loses
   * its probability draw does not count. `draws` gives the uint32 draws for
   * rules with a probability below 1 (the command's entropy: never drawn here).
   */
  fire(target: FaultTarget, tenant: string | undefined, draw: Random32): FaultRule | undefined {
    for (const rule of this.rules) {
      if (!matchesRule(rule, target, tenant)) continue;
      if (rule.probability < 1 && !(draw() / 2 ** 32 < rule.probability)) continue;
      rule.fired++;
      if (rule.remaining !== undefined) {
        rule.remaining--;
        if (rule.remaining <= 0) this.remove(rule.id);
      }
      return { ...rule };
    }
    return undefined;
  }

  toJSON(): FaultRulesJson {
    return { rules: this.list(), nextId: this.nextId };
  }

  /** Replaces every rule with those of a snapshot. */
  restore(json: FaultRulesJson | undefined): void {
    this.rules = (json?.rules ?? []).map((r) => ({ ...r, match: { ...r.match } }));
    this.nextId = json?.nextId ?? 1;
  }
}

function matchesRule(rule: FaultRule, target: FaultTarget, tenant: string | undefined): boolean {
  const m = rule.match;
  if (rule.tenant !== undefined && rule.tenant !== tenant) return false;
  if (m.method !== undefined && m.method !== target.method.toUpperCase()) return false;
  // Case-insensitive, like every place a user types an operationId.
  if (m.operationId !== undefined && m.operationId.toLowerCase() !== target.operationId.toLowerCase()) return false;
  if (m.path !== undefined && !pathMatches(m.path, target.path, target.template)) return false;
  return true;
}
