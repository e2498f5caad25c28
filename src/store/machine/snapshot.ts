// The snapshot formats.
//
// Version 1, the document: everything the tenants hold as one JSON document,
// used by GET/PUT /_mock/state and by the state files of earlier versions.
// `formatVersion` says how to read it; a document of another version is
// refused (never guessed at), so an old togai-mock cannot misread a newer
// file and then save over it. Its shape is the `Snapshot` schema of
// spec/togai-mock-control.yaml; this file adds the checks a schema cannot
// express (versions, unique keys).
//
// Version 2, the parts: what the engine hands a log to compact it (a state
// file's snapshot, Redis keys). A list of JSON values, so that a million
// credits are never one giant string: parts[0] is a header (the log seq it
// covers, the tenant keys, the fault rules and the rate limit set), then per
// tenant one part with its clock, accounts, holds and directory, followed by its credits
// in chunks of CREDITS_PER_PART. A log may also hand back a version 1
// document as the only part (a state file written before logs existed).
// A version above 2 was written by a newer togai-mock: UnknownFormatError,
// which stops the engine rather than being refused as a bad snapshot
// (machine/format.ts).

import type { ValidateFunction } from 'ajv';
import { MockError, invalid } from '../../domain/errors.js';
import type { LedgerSnapshot } from '../../domain/ledger-snapshot.js';
import type { components } from '../../spec/control-types.gen.js';
import { describeError } from '../../spec/messages.js';
import type { FaultRulesJson } from './fault-rules.js';
import { UnknownFormatError } from './format.js';
import type { MockState } from './state.js';
import type { MemoryStore, TenantSnapshot } from './store.js';

export const FORMAT_VERSION = 1;
// 3: tenants' events follow their credits in parts of their own (version 2 parts, which have none, still load).
export const PARTS_FORMAT_VERSION = 3;
/** The oldest parts version this one reads. */
const OLDEST_PARTS_VERSION = 2;
export const CREDITS_PER_PART = 1000;
export const EVENTS_PER_PART = 1000;

export type Snapshot = components['schemas']['Snapshot'];

/** The state export document, saved at `now` (the caller's real time: nothing here reads a clock). */
export function takeSnapshot(store: MemoryStore, now: number): Snapshot {
  return { formatVersion: FORMAT_VERSION, savedAt: new Date(now).toISOString(), tenants: store.snapshot() };
}

/**
 * Checks that `doc` is a snapshot this version can load; throws a 400-kind
 * MockError naming the first problem. `validate` is the spec's Snapshot schema.
 */
export function checkSnapshot(doc: unknown, validate: ValidateFunction): Snapshot {
  const version = (doc as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof doc === 'object' && doc !== null && version !== undefined && version !== FORMAT_VERSION) {
    throw invalid(
      `snapshot formatVersion ${JSON.stringify(version)} is not supported; this togai-mock reads version ${FORMAT_VERSION}`,
    );
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

// ------------------------------------------------------------------ parts

interface PartsHeader {
  formatVersion: number;
  seq: number;
  savedAt: string;
  tenants: string[];
  faults: FaultRulesJson;
  /** The rate limit set through the control API; null: the configured one. */
  rateLimit: number | null;
}

/** A tenant's part: everything but its credits, which follow in `creditParts` parts. */
interface TenantPart {
  tenant: string;
  clock: TenantSnapshot['clock'];
  ledger: Omit<LedgerSnapshot, 'credits'>;
  providerStates?: TenantSnapshot['providerStates'];
  /** Customers, accounts, aliases and wallets (absent in parts of older versions). */
  directory?: TenantSnapshot['directory'];
  creditParts: number;
  /** How many EventsParts follow the credits' (absent in version 2 parts). */
  eventParts?: number;
}

interface CreditsPart {
  tenant: string;
  credits: LedgerSnapshot['credits'];
}

type EventsSnapshot = NonNullable<TenantSnapshot['events']>;

interface EventsPart {
  tenant: string;
  events: EventsSnapshot['events'];
}

/** The state as parts, at log seq `seq`. Copies only: the parts never change with the state. */
export function snapshotParts(state: MockState, seq: number, now: number): unknown[] {
  const tenants = state.tenants.snapshot();
  const header: PartsHeader = {
    formatVersion: PARTS_FORMAT_VERSION,
    seq,
    savedAt: new Date(now).toISOString(),
    tenants: tenants.map((t) => t.key),
    faults: state.faults.toJSON(),
    rateLimit: state.rateLimitSet ?? null,
  };
  const parts: unknown[] = [header];
  for (const t of tenants) {
    const { credits, ...ledger } = t.ledger;
    const chunks: CreditsPart[] = [];
    for (let i = 0; i < credits.length; i += CREDITS_PER_PART)
      chunks.push({ tenant: t.key, credits: credits.slice(i, i + CREDITS_PER_PART) });
    const eventChunks: EventsPart[] = [];
    const events = t.events?.events ?? [];
    for (let i = 0; i < events.length; i += EVENTS_PER_PART)
      eventChunks.push({ tenant: t.key, events: events.slice(i, i + EVENTS_PER_PART) });
    const part: TenantPart = { tenant: t.key, clock: t.clock, ledger, creditParts: chunks.length };
    if (t.providerStates !== undefined) part.providerStates = t.providerStates;
    if (t.directory !== undefined) part.directory = t.directory;
    if (eventChunks.length > 0) part.eventParts = eventChunks.length;
    parts.push(part, ...chunks, ...eventChunks);
  }
  return parts;
}

/**
 * Replaces the whole state with a snapshot: parts of version 2 or 3, or a version 1
 * document as the only part; no parts: the empty state. All or nothing:
 * throws a MockError naming the problem and changes nothing.
 */
export function restoreParts(
  state: MockState,
  parts: readonly unknown[] | undefined,
  validate: () => ValidateFunction,
): void {
  if (parts === undefined || parts.length === 0) {
    state.clear();
    return;
  }
  const head = parts[0] as { formatVersion?: unknown } | null;
  const version = typeof head === 'object' && head !== null ? head.formatVersion : undefined;
  // Written by a newer version: not a snapshot to refuse as bad, but one this version cannot read.
  if (typeof version === 'number' && version > PARTS_FORMAT_VERSION) {
    throw new UnknownFormatError(
      `snapshot formatVersion ${version} is not supported; this togai-mock reads version ${FORMAT_VERSION} ` +
        `(a document) and ${PARTS_FORMAT_VERSION} (parts)`,
    );
  }
  const isParts = typeof version === 'number' && version >= OLDEST_PARTS_VERSION;
  if (typeof head !== 'object' || head === null || !isParts) {
    if (parts.length !== 1)
      throw invalid(`snapshot: its first part is not a header of format version ${OLDEST_PARTS_VERSION} or later`);
    // A document of version 1 (or another one, which checkSnapshot refuses by name).
    const snap = checkSnapshot(head, validate());
    loading(() => state.tenants.restore(snap.tenants));
    state.faults.restore(undefined);
    state.rateLimitSet = undefined;
    return;
  }
  const header = head as PartsHeader;
  const tenants: TenantSnapshot[] = [];
  let i = 1;
  for (const key of header.tenants) {
    const part = parts[i++] as TenantPart | undefined;
    if (part?.tenant !== key) throw invalid(`snapshot: part ${i - 1} is not tenant ${key}'s`);
    const credits: LedgerSnapshot['credits'] = [];
    for (let k = 0; k < part.creditParts; k++) {
      const chunk = parts[i++] as CreditsPart | undefined;
      if (chunk?.tenant !== key || !Array.isArray(chunk.credits))
        throw invalid(`snapshot: part ${i - 1} is not a chunk of tenant ${key}'s credits`);
      for (const c of chunk.credits) credits.push(c);
    }
    const events: EventsSnapshot['events'] = [];
    for (let k = 0; k < (part.eventParts ?? 0); k++) {
      const chunk = parts[i++] as EventsPart | undefined;
      if (chunk?.tenant !== key || !Array.isArray(chunk.events))
        throw invalid(`snapshot: part ${i - 1} is not a chunk of tenant ${key}'s events`);
      for (const e of chunk.events) events.push(e);
    }
    const tenant: TenantSnapshot = { key, clock: part.clock, ledger: { ...part.ledger, credits } };
    if (part.providerStates !== undefined) tenant.providerStates = part.providerStates;
    if (part.directory !== undefined) tenant.directory = part.directory;
    if (events.length > 0) tenant.events = { events };
    tenants.push(tenant);
  }
  if (i !== parts.length) throw invalid(`snapshot: ${parts.length - i} parts follow the last tenant's`);
  loading(() => state.tenants.restore(tenants));
  state.faults.restore(header.faults);
  state.rateLimitSet = header.rateLimit ?? undefined;
}

/** Runs a restore; data the ledger cannot take (beyond its own "snapshot:" checks) is a MockError too. */
function loading(restore: () => void): void {
  try {
    restore();
  } catch (err) {
    if (err instanceof MockError) throw err;
    throw invalid(`snapshot could not be loaded: ${(err as Error).message}`);
  }
}
