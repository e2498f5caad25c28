// What a tenant's event store takes and answers (event-store.ts keeps the
// events): the statuses an event can have, the store's options and limits,
// a stored event as reads show it, outcomes of ingestion and correction, the
// plain-JSON snapshot, queries and pages, and referenceIds (an event's place
// in ingestion order, which is also the cursor of a listing).

import type { Event } from '../../spec/accounts-types.js';

/** An event as a client sends it. */
export type EventPayload = Event;

export type AccountStatus = 'ACTIVE' | 'DRAFT' | 'ARCHIVED';

/** How the store learns which account an event names (the tenant's directory answers it). */
export interface EventAccountLookup {
  /** The account `idOrAlias` names at `at` (an id, or an alias whose window contains `at`). */
  resolveForEvent(idOrAlias: string, at: number): { accountId: string; status: AccountStatus } | undefined;
}

/** Statuses an event of the fake can have; the index is the stored code. */
export const EVENT_STATUSES = [
  'INGESTION_COMPLETED_NO_MATCHING_METERS',
  'INGESTION_FAILED_NO_EVENT_ID',
  'INGESTION_FAILED_ACCOUNT_NOT_FOUND',
  'INGESTION_FAILED_PAST_GRACE_PERIOD',
  'INGESTION_FAILED_DUPLICATE_EVENT',
  'REVERTED',
] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** A day in epoch milliseconds. */
export const DAY_MS = 86_400_000;
/** Togai refuses an id used by an event in the last 45 days. */
export const DUPLICATE_WINDOW_MS = 45 * DAY_MS;
export const DEFAULT_GRACE_PERIOD_DAYS = 35;
export const DEFAULT_MAX_EVENTS = 2_000_000;

export interface EventStoreOptions {
  /** How far back an event's timestamp may lie (TOGAI_MOCK_EVENT_GRACE_PERIOD_DAYS). Default 35 days. */
  gracePeriodDays?: number;
  /** Events a tenant may hold, failed ones included (TOGAI_MOCK_MAX_EVENTS); past it 507. */
  maxEvents?: number;
}

/** One stored event as the API shows it (before the spec's shapes, see shapes.ts). */
export interface StoredEvent {
  referenceId: string;
  /** The event as it was sent (an alias stays an alias here). */
  payload: EventPayload;
  /** The account it is listed under: the resolved account id, else the accountId as sent. */
  accountId: string;
  status: EventStatus;
  createdAt: number;
}

export interface IngestOptions {
  /**
   * Stores events of any age: fixtures describe usage that happened, and a
   * fixture file must not stop loading once its dates are older than the
   * grace period.
   */
  ignoreGracePeriod?: boolean;
}

/** What ingesting one event did. */
export interface IngestOutcome {
  status: EventStatus;
  referenceId: string;
  id?: string;
}

export type CorrectionAction = 'UNDO' | 'REDO' | 'REDO_EVENT';

export interface CorrectionOutcome {
  status: 'REVERTED' | 'REVERTED_AND_REINGESTED' | 'FAILED';
  reason: string;
  /** The event the outcome shows: the reverted one, the re-ingested one, or (FAILED) the one named. */
  event: StoredEvent;
}

/** The plain-JSON form of a stored event (TenantSnapshot.events in the control spec), in ingestion order. */
export interface EventSnapshot {
  /** The event as it was sent, as JSON text. */
  payload: string;
  accountId: string;
  status: EventStatus;
  /** Epoch ms of the tenant clock when it was ingested. */
  createdAt: number;
}

export interface EventsSnapshot {
  events: EventSnapshot[];
}

export interface EventQuery {
  accountId?: string | undefined;
  schemaName?: string | undefined;
  status?: EventStatus | undefined;
  /** Position of the last event of the previous page (from its referenceId). */
  after?: number | undefined;
  pageSize: number;
}

export interface EventPage {
  events: StoredEvent[];
  /** The referenceId to continue after, when more events match. */
  next?: string;
}

const REFERENCE_PREFIX = 'evt_';

/** The referenceId of the event at `pos`: its place in the tenant's ingestion order, so it is stable and unique. */
export const referenceIdOf = (pos: number): string => `${REFERENCE_PREFIX}${(pos + 1).toString().padStart(10, '0')}`;

/** The position a referenceId names, or undefined when it is not one of ours. */
export function positionOf(referenceId: string): number | undefined {
  if (!referenceId.startsWith(REFERENCE_PREFIX)) return undefined;
  const digits = referenceId.slice(REFERENCE_PREFIX.length);
  if (!/^\d{1,15}$/.test(digits)) return undefined;
  const n = Number(digits) - 1;
  return n >= 0 ? n : undefined;
}
