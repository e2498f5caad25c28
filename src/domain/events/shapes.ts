// Stored events in the shapes spec/togai-accounts.yaml gives them: an event
// with its ingestion status (GET /events), with its pipeline details (GET
// /events/{event_id}), a correction's outcome, and what /ingest and
// /ingestBatch answer.

import type {
  EventCorrectionInfo,
  EventPipelineInfo,
  EventWithStatus,
  EventWithStatusAndEventPipelineInfo,
  IngestEventResponse,
} from '../../spec/accounts-types.js';
import type { CorrectionOutcome, EventStatus, IngestOutcome, StoredEvent } from './event-store.js';

/** What each status means here (statusDescription, at most 250 characters). */
const DESCRIPTIONS: Record<EventStatus, string> = {
  INGESTION_COMPLETED_NO_MATCHING_METERS:
    'Ingested. The mock defines no usage meters, so the event matched none and nothing was metered or priced',
  INGESTION_FAILED_NO_EVENT_ID: 'The event has no id',
  INGESTION_FAILED_ACCOUNT_NOT_FOUND:
    'No account has this id, and no alias named so was in effect at the event timestamp (or the account is archived)',
  INGESTION_FAILED_PAST_GRACE_PERIOD: 'The event timestamp is older than the grace period allows',
  INGESTION_FAILED_DUPLICATE_EVENT: 'An event with this id was ingested in the last 45 days',
  REVERTED: 'Reverted by an event correction; its id may be ingested again',
};

export const statusDescription = (status: EventStatus): string => DESCRIPTIONS[status];

export function toEventWithStatus(e: StoredEvent): EventWithStatus {
  return {
    referenceId: e.referenceId,
    eventPayload: e.payload,
    ingestionStatus: { status: e.status, statusDescription: DESCRIPTIONS[e.status] },
    createdAt: new Date(e.createdAt).toISOString(),
  };
}

/** The fake's pipeline: no schemas, meters, price plans or revenue; a reverted event says what it was before. */
function pipelineInfoOf(e: StoredEvent): EventPipelineInfo {
  const info: EventPipelineInfo = { usageMeters: [], pricePlans: [], revenueDetails: [] };
  // Only completed events can be reverted, and the fake completes them all the same way.
  if (e.status === 'REVERTED') info.statusBeforeReverting = 'INGESTION_COMPLETED_NO_MATCHING_METERS';
  return info;
}

export function toEventWithPipelineInfo(e: StoredEvent): EventWithStatusAndEventPipelineInfo {
  return { ...toEventWithStatus(e), eventPipelineInfo: pipelineInfoOf(e) };
}

export function toCorrectionInfo(c: CorrectionOutcome): EventCorrectionInfo {
  return { ...toEventWithStatus(c.event), status: c.status, reason: c.reason };
}

const MAX_MESSAGE = 500;
const clip = (s: string): string => (s.length <= MAX_MESSAGE ? s : `${s.slice(0, MAX_MESSAGE - 3)}...`);

const COMPLETED: EventStatus = 'INGESTION_COMPLETED_NO_MATCHING_METERS';

type Details = IngestEventResponse['details'];
/** `details` is a free-form object in the spec (its generated type admits no field): what the fake puts in it. */
const details = (d: Record<string, unknown>): Details => d as Details;

/** One event's line in `details.events`. */
function detailOf(o: IngestOutcome, index: number): Record<string, unknown> {
  const d: Record<string, unknown> = { index, referenceId: o.referenceId, status: o.status };
  if (o.id !== undefined) d.id = o.id;
  return d;
}

/**
 * What /ingest answers (always 202: the event was taken, its status is in
 * the body and in GET /events): success says whether it completed.
 */
export function ingestResponse(o: IngestOutcome): IngestEventResponse {
  const completed = o.status === COMPLETED;
  const name = o.id === undefined ? 'The event' : `Event ${o.id}`;
  const body: IngestEventResponse = {
    success: completed,
    statusCode: 202,
    message: clip(completed ? `${name} was ingested` : `${name} was stored as ${o.status}: ${DESCRIPTIONS[o.status]}`),
    details: details({ events: [detailOf(o, 0)] }),
  };
  if (!completed) body.code = o.status;
  return body;
}

/** What /ingestBatch answers: 202 when every event completed, else 207 naming the failed ones. */
export function ingestBatchResponse(outcomes: IngestOutcome[]): { status: 202 | 207; body: IngestEventResponse } {
  const events = outcomes.map(detailOf);
  const failed = events.filter((d) => d.status !== COMPLETED);
  if (failed.length === 0) {
    const message = `All ${outcomes.length} event${outcomes.length === 1 ? ' was' : 's were'} ingested`;
    return { status: 202, body: { success: true, statusCode: 202, message, details: details({ events }) } };
  }
  const named = failed
    .map((d) => `events[${String(d.index)}]${d.id === undefined ? '' : ` (${String(d.id)})`}: ${String(d.status)}`)
    .join('; ');
  return {
    status: 207,
    body: {
      success: false,
      statusCode: 207,
      code: 'PARTIAL_FAILURE',
      message: clip(`${failed.length} of ${outcomes.length} events failed: ${named}`),
      details: details({ failed, events }),
    },
  };
}
