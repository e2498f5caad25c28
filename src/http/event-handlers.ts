// The Event Ingestion and Event Management operations, named after Togai's
// operationIds: ingest, ingestBatch, getEvents, getSingleEvent,
// eventCorrection. /ingest and /ingestBatch are one command (`ingest`), so an
// event id is judged the same way whichever endpoint brought it; reads look
// at the tenant's event store through engine.read. The rules themselves are
// in domain/events/event-store.ts.

import { MockError, invalid, notFound } from '../domain/errors.js';
import { EVENT_STATUSES, positionOf, type EventStatus } from '../domain/events/event-store.js';
import {
  ingestBatchResponse,
  ingestResponse,
  toCorrectionInfo,
  toEventWithPipelineInfo,
  toEventWithStatus,
} from '../domain/events/shapes.js';
import type {
  EventCorrectionAction,
  EventCorrectionRequest,
  GetEventsResponse,
  IngestBatchEventRequest,
  IngestEventRequest,
} from '../spec/accounts-types.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { OperationHandler } from './pipeline.js';

const DEFAULT_PAGE_SIZE = 50;

const isFakeStatus = (s: string): s is EventStatus => (EVENT_STATUSES as readonly string[]).includes(s);

export const eventHandlers: Readonly<Record<string, OperationHandler>> = Object.freeze({
  ingest({ tenantKey, engine, body }) {
    const { event } = body as IngestEventRequest;
    return engine.execute({ type: 'ingest', tenant: tenantKey, events: [event], endpoint: 'ingest' }, (outcomes) => ({
      status: 202,
      body: ingestResponse(outcomes[0]!),
    }));
  },

  ingestBatch({ tenantKey, engine, body }) {
    const { events } = body as IngestBatchEventRequest;
    return engine.execute({ type: 'ingest', tenant: tenantKey, events, endpoint: 'ingestBatch' }, (outcomes) =>
      ingestBatchResponse(outcomes),
    );
  },

  getEvents({ tenantKey, engine, query }) {
    const token = query.nextToken as string | undefined;
    const cursor = token === undefined ? undefined : decodeCursor(token);
    const after = cursor === undefined ? undefined : positionOf(cursor.lastItemId);
    if (cursor !== undefined && after === undefined) {
      throw new MockError('invalid', 'nextToken is malformed: not a token issued by this API');
    }
    const pageSize = (query.pageSize as number | undefined) ?? cursor?.pageSize ?? DEFAULT_PAGE_SIZE;
    const status = query.status as string | undefined;
    return engine.read((state) => {
      const body: GetEventsResponse = { events: [] };
      // A status of Togai's the fake never gives (INGESTION_IN_PROGRESS...) matches no event.
      if (status !== undefined && !isFakeStatus(status)) return { status: 200, body };
      const page = state.tenants.peek(tenantKey).events.list({
        accountId: query.account_id as string | undefined,
        schemaName: query.schema_name as string | undefined,
        status,
        after,
        pageSize,
      });
      body.events = page.events.map(toEventWithStatus);
      if (page.next !== undefined) body.nextToken = encodeCursor({ lastItemId: page.next, pageSize, sortOrder: 'asc' });
      return { status: 200, body };
    });
  },

  getSingleEvent({ tenantKey, engine, params }) {
    const id = params.event_id!;
    return engine.read((state) => {
      const events = state.tenants.peek(tenantKey).events.eventsOf(id);
      if (events.length === 0) throw notFound(`Event ${id} does not exist`);
      return { status: 200, body: { events: events.map(toEventWithPipelineInfo) } };
    });
  },

  eventCorrection({ tenantKey, engine, query, body }) {
    const { event } = body as EventCorrectionRequest;
    if (event === undefined)
      throw invalid('event is required: the event to correct (for REDO_EVENT, its corrected form)');
    const action = query.action as EventCorrectionAction;
    const requireConfirmation = query.require_confirmation as boolean | undefined;
    return engine.execute(
      { type: 'eventCorrection', tenant: tenantKey, action, event, requireConfirmation },
      (outcome) => ({ status: 200, body: { data: [toCorrectionInfo(outcome)] } }),
    );
  },
});
