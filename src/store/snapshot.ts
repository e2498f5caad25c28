// The snapshot format: everything a store holds as one JSON document, used by
// GET/PUT /_mock/state and by the state file. `formatVersion` says how to read
// it; a document of another version is refused (never guessed at), so an old
// togai-mock cannot misread a newer file and then save over it.
//
// The document's shape is the `Snapshot` schema of spec/togai-mock-control.yaml;
// this file adds the checks a schema cannot express (versions, unique keys).

import type { ValidateFunction } from 'ajv';
import { invalid } from '../domain/errors.js';
import type { components } from '../spec/control-types.gen.js';
import { describeError } from '../spec/messages.js';
import type { MemoryStore } from './store.js';

export const FORMAT_VERSION = 1;

export type Snapshot = components['schemas']['Snapshot'];

export function takeSnapshot(store: MemoryStore, now: number = Date.now()): Snapshot {
  return { formatVersion: FORMAT_VERSION, savedAt: new Date(now).toISOString(), tenants: store.snapshot() };
}

/**
 * Checks that `doc` is a snapshot this version can load; throws a 400-kind
 * MockError naming the first problem. `validate` is the spec's Snapshot schema.
 */
export function checkSnapshot(doc: unknown, validate: ValidateFunction): Snapshot {
  const version = (doc as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof doc === 'object' && doc !== null && version !== undefined && version !== FORMAT_VERSION) {
    throw invalid(`snapshot formatVersion ${JSON.stringify(version)} is not supported; this togai-mock reads version ${FORMAT_VERSION}`);
  }
  if (!validate(doc)) throw invalid(describeError(validate.errors![0]!, 'snapshot'));
  const snap = doc as Snapshot;
  const tenants = new Set<string>();
  for (const t of snap.tenants) {
    if (tenants.has(t.key)) throw invalid(`snapshot: tenant ${t.key} appears twice`);
    tenants.add(t.key);
    const accounts = new Set<string>();
    for (const a of t.ledger.accounts) {
      if (accounts.has(a.id)) throw invalid(`snapshot: tenant ${t.key} has account ${a.id} twice`);
      accounts.add(a.id);
    }
    const credits = new Set<string>();
    for (const c of t.ledger.credits) {
      if (credits.has(c.id)) throw invalid(`snapshot: tenant ${t.key} has credit ${c.id} twice`);
      credits.add(c.id);
    }
  }
  return snap;
}

/** Validates and loads a snapshot into the store, all or nothing. */
export function restoreSnapshot(store: MemoryStore, doc: unknown, validate: ValidateFunction): Snapshot {
  const snap = checkSnapshot(doc, validate);
  store.restore(snap.tenants);
  return snap;
}
