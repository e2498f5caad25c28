// The fault rules of POST /_mock/faults: what to break, for which requests,
// how often. One set per running mock; a rule may be limited to one tenant.
// The stage that applies them to requests is http/faults.ts.

import { seededRandom } from '../domain/ids.js';
import type { components } from '../spec/control-types.gen.js';
import type { CompiledOperation } from '../spec/operations.js';
import { pathMatches } from '../spec/paths.js';

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
  fire(req: { method: string; path: string }, op: Pick<CompiledOperation, 'operationId' | 'path'>, tenant: string | undefined): FaultRule | undefined {
    for (const rule of this.rules) {
      const m = rule.match;
      if (rule.tenant !== undefined && rule.tenant !== tenant) continue;
      if (m.method !== undefined && m.method !== req.method.toUpperCase()) continue;
      // Case-insensitive, like every place a user types an operationId.
      if (m.operationId !== undefined && m.operationId.toLowerCase() !== op.operationId.toLowerCase()) continue;
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
