// A tenant's ingested usage events: what /ingest and /ingestBatch stored, with
// the status each got, what GET /events lists and POST /events/correction
// changes. Pure: time is the `now` each change is given (the command's), the
// account an event names is looked up through EventAccountLookup (the
// tenant's directory), and nothing is decided on read.
//
// The rules, decided once when an event is ingested, in this order:
// - no `id` (the schema leaves it optional) or an empty one: INGESTION_FAILED_NO_EVENT_ID;
// - an account that is neither an account id nor an alias effective at the
//   event's `timestamp`, or an ARCHIVED one: INGESTION_FAILED_ACCOUNT_NOT_FOUND;
// - a `timestamp` before now minus the grace period: INGESTION_FAILED_PAST_GRACE_PERIOD;
// - an id with a completed event ingested less than 45 days ago (the
//   tenant's clock; the same batch included): INGESTION_FAILED_DUPLICATE_EVENT;
// - otherwise INGESTION_COMPLETED_NO_MATCHING_METERS: the fake has no meters,
//   so an accepted event matches none.
// Failed events are stored too, listed with their status; an id never has two
// completed events inside the window.
//
// Storage is compact and holds no object per event (a million events are a
// few dozen objects to the garbage collector): an event is its id (as JSON
// text) and the rest of its payload as JSON text, both as UTF-8 bytes in a
// byte arena (arena.ts), and a few numbers in typed columns (columns.ts): its
// account (as sent and as resolved) and schema as interned indexes, its status
// code, its time, where its text lies. An id finds its events through a hash
// table in typed arrays (id-index.ts). Its payload is put together again on
// read, id, accountId and schemaName first, the rest as sent.
// Events are kept in ingestion order; their position is their referenceId's
// number and the cursor of a listing, and each account has its positions in
// an ascending column, so a page of one account's events costs a binary
// search and the page, whatever the store's size.
//
// The types it takes and answers, its limits and referenceIds are in
// model.ts (exported from here too).

import { MockError, invalid, notFound } from '../errors.js';
import { ByteArena, fnv1a } from './arena.js';
import { float64Column, int32Column, uint8Column, type Column } from './columns.js';
import { IdIndex } from './id-index.js';

export * from './model.js';
import {
  DAY_MS,
  DUPLICATE_WINDOW_MS,
  DEFAULT_GRACE_PERIOD_DAYS,
  DEFAULT_MAX_EVENTS,
  EVENT_STATUSES,
  referenceIdOf,
  type CorrectionAction,
  type CorrectionOutcome,
  type EventAccountLookup,
  type EventPage,
  type EventPayload,
  type EventQuery,
  type EventSnapshot,
  type EventsSnapshot,
  type EventStatus,
  type EventStoreOptions,
  type IngestOptions,
  type IngestOutcome,
  type StoredEvent,
} from './model.js';

/** The stored status codes: indexes into EVENT_STATUSES. */
const COMPLETED = 0;
const NO_EVENT_ID = 1;
const ACCOUNT_NOT_FOUND = 2;
const PAST_GRACE = 3;
const DUPLICATE = 4;
const REVERTED = 5;

/** One step to take back (atomically): an event appended, a status changed. */
type UndoStep =
  { kind: 'append' } | { kind: 'status'; pos: number; old: number } | { kind: 'dropped'; rows: EventSnapshot[] };
/** Every append is taken back the same way: one step object for all of them. */
const APPEND: UndoStep = { kind: 'append' };

export class EventStore {
  private readonly gracePeriodMs: number;
  readonly maxEvents: number;
  readonly gracePeriodDays: number;

  // Columns by position.
  /**
   * The event's text in the arena: its id as a JSON string (so that any
   * string, even one no UTF-8 can carry, comes back as sent), then the
   * payload without id, accountId and schemaName as JSON text.
   */
  private readonly text = new ByteArena();
  private readonly textAt = float64Column();
  /** Bytes of the id's JSON text; -1 when the event had no id. */
  private readonly idBytes = int32Column();
  private readonly restBytes = int32Column();
  /** The accountId as sent (an alias stays one), interned. */
  private readonly sentAccount = int32Column();
  private readonly account = int32Column();
  private readonly schema = int32Column();
  private readonly status = uint8Column();
  private readonly createdAt = float64Column();
  /** Interned account ids and schema names. */
  private readonly names: string[] = [];
  private readonly nameIndex = new Map<string, number>();
  /** The events of each non-empty id. */
  private readonly byId = new IdIndex();
  /** Each account's positions, ascending. */
  private readonly byAccount = new Map<number, Column<Int32Array>>();
  /**
   * What the open atomically() calls would take back, oldest first: one list
   * for all of them (a call takes back from where it began), emptied when the
   * outermost one ends. Nothing is allocated for a call that changes nothing.
   */
  private readonly undoSteps: UndoStep[] = [];
  /** How many atomically() calls are open; 0: changes are not recorded. */
  private undoDepth = 0;

  constructor(options: EventStoreOptions = {}) {
    this.gracePeriodDays = options.gracePeriodDays ?? DEFAULT_GRACE_PERIOD_DAYS;
    this.gracePeriodMs = this.gracePeriodDays * DAY_MS;
    this.maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  }

  get size(): number {
    return this.status.length;
  }

  // ---------------------------------------------------------------- changes

  /**
   * Ingests events in order (one /ingest event, or a batch) at `now`. Every
   * event is stored with its own status; refused whole (507, nothing stored)
   * when they would take the tenant past its cap.
   */
  ingest(
    events: readonly EventPayload[],
    now: number,
    lookup: EventAccountLookup,
    options: IngestOptions = {},
  ): IngestOutcome[] {
    this.admit(events.length);
    const out: IngestOutcome[] = [];
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const { status, accountId } = this.evaluate(
        event,
        now,
        lookup,
        i,
        events.length > 1,
        false,
        options.ignoreGracePeriod ?? false,
      );
      const pos = this.append(event, accountId, status, now);
      const outcome: IngestOutcome = { status: EVENT_STATUSES[status]!, referenceId: referenceIdOf(pos) };
      if (event.id !== undefined && event.id !== '') outcome.id = event.id;
      out.push(outcome);
    }
    return out;
  }

  /**
   * POST /events/correction, following the spec's actions: UNDO marks the
   * id's completed event REVERTED and frees its id; REDO undoes it and
   * ingests the same payload again; REDO_EVENT undoes it and ingests the
   * payload given instead. A REDO may also start from the id's REVERTED
   * event (nothing to undo then). The re-ingestion follows the ingestion
   * rules at `now`; when it would not complete, the correction is FAILED and
   * changes nothing. An id with no stored event: 404.
   */
  correct(action: CorrectionAction, event: EventPayload, now: number, lookup: EventAccountLookup): CorrectionOutcome {
    const id = event.id;
    if (id === undefined || id === '') throw invalid('event.id is required: it names the event to correct');
    const positions = this.positionsOf(id);
    if (positions.length === 0) throw notFound(`Event ${id} does not exist`);
    const livePos = this.liveOf(id);
    const latest = positions[positions.length - 1]!;
    if (action === 'UNDO') {
      if (livePos === undefined) {
        return this.failed(latest, `event ${id} has no completed event to undo (it is ${this.statusOf(latest)})`);
      }
      this.setStatus(livePos, REVERTED);
      return {
        status: 'REVERTED',
        reason: `event ${id} was reverted; its id may be ingested again`,
        event: this.at(livePos),
      };
    }
    let from = livePos;
    if (from === undefined) {
      for (let i = positions.length - 1; i >= 0 && from === undefined; i--) {
        if (this.status.get(positions[i]!) === REVERTED) from = positions[i]!;
      }
    }
    if (from === undefined) {
      return this.failed(latest, `event ${id} was never ingested successfully (it is ${this.statusOf(latest)})`);
    }
    const payload: EventPayload = action === 'REDO' ? this.payloadAt(from) : { ...event, id };
    // Judged with the id free, as it will be once the completed event is reverted.
    const judged = this.evaluate(payload, now, lookup, 0, false, true);
    if (judged.status !== COMPLETED) {
      return this.failed(from, `re-ingesting event ${id} would fail: ${EVENT_STATUSES[judged.status]!}`);
    }
    this.admit(1);
    if (livePos !== undefined) this.setStatus(livePos, REVERTED);
    const pos = this.append(payload, judged.accountId, COMPLETED, now);
    return {
      status: 'REVERTED_AND_REINGESTED',
      reason: `event ${id} was reverted and ingested again${action === 'REDO_EVENT' ? ' with the payload given' : ''}`,
      event: this.at(pos),
    };
  }

  /**
   * Runs `change` all or nothing: if it throws, every event it stored and
   * every status it changed is taken back. Costs what it changed.
   */
  atomically<T>(change: () => T): T {
    const mark = this.undoSteps.length;
    this.undoDepth++;
    let result: T;
    try {
      result = change();
    } catch (err) {
      this.undoDepth--;
      // Taken back with nothing recorded (undoing records no undo), then forgotten.
      const depth = this.undoDepth;
      this.undoDepth = 0;
      try {
        this.revert(this.undoSteps, mark);
      } finally {
        this.undoSteps.length = mark;
        this.undoDepth = depth;
      }
      throw err;
    }
    // A nested call's steps stay for the one around it; the outermost one's are done with.
    if (--this.undoDepth === 0) this.undoSteps.length = 0;
    return result;
  }

  /** Records what would take a change back, while an atomically() call is open. */
  private noteUndo(step: UndoStep): void {
    if (this.undoDepth > 0) this.undoSteps.push(step);
  }

  /**
   * Keeps only the first `size` events (a provider state's teardown: the
   * events ingested since its setup go). Recorded, so atomically() can put
   * them back.
   */
  truncate(size: number): void {
    if (this.size <= size) return;
    const rows: EventSnapshot[] = [];
    for (let pos = size; pos < this.size; pos++) {
      rows.push({
        payload: this.payloadText(pos),
        accountId: this.names[this.account.get(pos)]!,
        status: EVENT_STATUSES[this.status.get(pos)]!,
        createdAt: this.createdAt.get(pos),
      });
    }
    while (this.size > size) this.dropLast();
    this.noteUndo({ kind: 'dropped', rows });
  }

  // ---------------------------------------------------------------- reads

  /** An event id's event as GET /events/{event_id} shows it: its completed one, else the latest stored. */
  get(id: string): StoredEvent | undefined {
    const positions = this.positionsOf(id);
    if (positions.length === 0) return undefined;
    return this.at(this.liveOf(id) ?? positions[positions.length - 1]!);
  }

  /**
   * Every stored event of an id (GET /events/{event_id} answers a list): the
   * one in force first (its completed event, else its latest), then the
   * others, newest first. Empty for an id never ingested.
   */
  eventsOf(id: string): StoredEvent[] {
    const newestFirst = this.positionsOf(id).reverse();
    if (newestFirst.length === 0) return [];
    const current = this.liveOf(id) ?? newestFirst[0]!;
    return [current, ...newestFirst.filter((p) => p !== current)].map((p) => this.at(p));
  }

  /** A page of events, oldest first, filtered; a page of one account reads only that account's events. */
  list(q: EventQuery): EventPage {
    const after = q.after ?? -1;
    const schemaIdx = q.schemaName === undefined ? undefined : this.nameIndex.get(q.schemaName);
    if (q.schemaName !== undefined && schemaIdx === undefined) return { events: [] };
    const statusCode = q.status === undefined ? undefined : EVENT_STATUSES.indexOf(q.status);
    if (statusCode === -1) return { events: [] };
    const matches = (pos: number): boolean =>
      (schemaIdx === undefined || this.schema.get(pos) === schemaIdx) &&
      (statusCode === undefined || this.status.get(pos) === statusCode);
    const picked: number[] = [];
    let more = false;
    const take = (pos: number): boolean => {
      if (!matches(pos)) return true;
      if (picked.length === q.pageSize) {
        more = true;
        return false;
      }
      picked.push(pos);
      return true;
    };
    if (q.accountId !== undefined) {
      const idx = this.nameIndex.get(q.accountId);
      const col = idx === undefined ? undefined : this.byAccount.get(idx);
      if (col !== undefined) {
        for (let i = col.firstAbove(after); i < col.length; i++) if (!take(col.get(i))) break;
      }
    } else {
      for (let pos = after + 1; pos < this.size; pos++) if (!take(pos)) break;
    }
    const page: EventPage = { events: picked.map((pos) => this.at(pos)) };
    if (more) page.next = referenceIdOf(picked[picked.length - 1]!);
    return page;
  }

  // ---------------------------------------------------------------- snapshot

  snapshot(): EventsSnapshot {
    const events: EventSnapshot[] = new Array<EventSnapshot>(this.size);
    for (let pos = 0; pos < this.size; pos++) {
      events[pos] = {
        payload: this.payloadText(pos),
        accountId: this.names[this.account.get(pos)]!,
        status: EVENT_STATUSES[this.status.get(pos)]!,
        createdAt: this.createdAt.get(pos),
      };
    }
    return { events };
  }

  /** Loads a snapshot into this (empty) store; the statuses are taken as saved, nothing is judged again. */
  restore(snap: EventsSnapshot | undefined): void {
    if (this.size > 0) throw new Error('EventStore.restore: the store is not empty');
    for (const [i, e] of (snap?.events ?? []).entries()) {
      const code = EVENT_STATUSES.indexOf(e.status);
      if (code < 0) throw invalid(`snapshot: events[${i}].status ${JSON.stringify(e.status)} is not an event status`);
      let payload: EventPayload;
      try {
        payload = JSON.parse(e.payload) as EventPayload;
      } catch {
        throw invalid(`snapshot: events[${i}].payload is not JSON text`);
      }
      if (typeof payload !== 'object' || payload === null || typeof payload.schemaName !== 'string') {
        throw invalid(`snapshot: events[${i}].payload is not an event`);
      }
      this.append(payload, e.accountId, code, e.createdAt);
    }
  }

  // ---------------------------------------------------------------- inside

  /** Refuses (507) what would take the store past its cap: never a silent drop. */
  private admit(n: number): void {
    if (this.size + n <= this.maxEvents) return;
    throw new MockError(
      'insufficient_storage',
      `Event limit reached: this tenant holds ${this.size} events and may hold ${this.maxEvents} ` +
        `(--max-events / TOGAI_MOCK_MAX_EVENTS); this request's ${n === 1 ? 'event was' : `${n} events were`} not stored. ` +
        'Reset the mock or raise the limit',
    );
  }

  /** The status an event gets at `now`, and the account it is listed under. */
  private evaluate(
    event: EventPayload,
    now: number,
    lookup: EventAccountLookup,
    index: number,
    inBatch: boolean,
    idFree = false,
    ignoreGracePeriod = false,
  ): { status: number; accountId: string } {
    const at = Date.parse(event.timestamp);
    if (Number.isNaN(at)) {
      throw invalid(`${inBatch ? `events[${index}]` : 'event'}.timestamp must be an RFC 3339 date-time`);
    }
    if (event.id === undefined || event.id === '') return { status: NO_EVENT_ID, accountId: event.accountId };
    const account = lookup.resolveForEvent(event.accountId, at);
    if (account === undefined || account.status === 'ARCHIVED') {
      return { status: ACCOUNT_NOT_FOUND, accountId: account?.accountId ?? event.accountId };
    }
    if (!ignoreGracePeriod && at < now - this.gracePeriodMs) {
      return { status: PAST_GRACE, accountId: account.accountId };
    }
    if (!idFree) {
      const live = this.liveOf(event.id);
      if (live !== undefined && now - this.createdAt.get(live) < DUPLICATE_WINDOW_MS) {
        return { status: DUPLICATE, accountId: account.accountId };
      }
    }
    return { status: COMPLETED, accountId: account.accountId };
  }

  private intern(name: string): number {
    let idx = this.nameIndex.get(name);
    if (idx === undefined) {
      idx = this.names.length;
      this.names.push(name);
      this.nameIndex.set(name, idx);
    }
    return idx;
  }

  private append(event: EventPayload, accountId: string, status: number, now: number): number {
    const pos = this.size;
    const acct = this.intern(accountId);
    const { id, accountId: sent, schemaName: _schema, ...rest } = event;
    const idText = id === undefined ? '' : JSON.stringify(id);
    const restText = JSON.stringify(rest);
    const idBytes = id === undefined ? -1 : Buffer.byteLength(idText);
    const restBytes = Buffer.byteLength(restText);
    const at = this.text.reserve(Math.max(idBytes, 0) + restBytes);
    if (id !== undefined) this.text.write(at, idText);
    this.text.write(at + Math.max(idBytes, 0), restText);
    this.textAt.push(at);
    this.idBytes.push(idBytes);
    this.restBytes.push(restBytes);
    this.sentAccount.push(this.intern(sent));
    this.account.push(acct);
    this.schema.push(this.intern(event.schemaName));
    this.status.push(status);
    this.createdAt.push(now);
    let col = this.byAccount.get(acct);
    if (col === undefined) this.byAccount.set(acct, (col = int32Column()));
    col.push(pos);
    if (id !== undefined && id !== '') this.byId.add(this.text.hash(at, idBytes));
    else this.byId.addNone();
    this.noteUndo(APPEND);
    return pos;
  }

  private setStatus(pos: number, status: number): void {
    if (this.undoDepth > 0) this.undoSteps.push({ kind: 'status', pos, old: this.status.get(pos) });
    this.status.set(pos, status);
  }

  /** Takes back steps[from..], newest first. */
  private revert(steps: readonly UndoStep[], from: number): void {
    for (let i = steps.length - 1; i >= from; i--) {
      const step = steps[i]!;
      if (step.kind === 'status') this.status.set(step.pos, step.old);
      else if (step.kind === 'dropped') this.putBack(step.rows);
      else this.dropLast();
    }
  }

  /** Appends rows truncate() took away, as they were (recording nothing: this is an undo). */
  private putBack(rows: readonly EventSnapshot[]): void {
    for (const r of rows) {
      this.append(JSON.parse(r.payload) as EventPayload, r.accountId, EVENT_STATUSES.indexOf(r.status), r.createdAt);
    }
  }

  /** Takes back the last append. */
  private dropLast(): void {
    const pos = this.size - 1;
    const col = this.byAccount.get(this.account.get(pos))!;
    col.pop();
    if (col.length === 0) this.byAccount.delete(this.account.get(pos));
    this.byId.pop();
    this.text.truncate(this.textAt.get(pos));
    this.textAt.pop();
    this.idBytes.pop();
    this.restBytes.pop();
    this.sentAccount.pop();
    this.account.pop();
    this.schema.pop();
    this.status.pop();
    this.createdAt.pop();
  }

  /** An id's events, oldest first. */
  private positionsOf(id: string): number[] {
    const out: number[] = [];
    this.eachOf(id, (pos) => {
      out.push(pos);
      return true;
    });
    return out.reverse();
  }

  /** The id's latest completed event. */
  private liveOf(id: string): number | undefined {
    let live: number | undefined;
    this.eachOf(id, (pos) => {
      if (this.status.get(pos) !== COMPLETED) return true;
      live = pos;
      return false;
    });
    return live;
  }

  /** Visits an id's events, newest first, while `visit` answers true. */
  private eachOf(id: string, visit: (pos: number) => boolean): void {
    if (id === '') return;
    const key = Buffer.from(JSON.stringify(id), 'utf8');
    const hash = fnv1a(key);
    for (let pos = this.byId.first(hash); pos >= 0; pos = this.byId.after(pos)) {
      if (this.byId.hashAt(pos) !== hash || !this.text.equals(this.textAt.get(pos), this.idBytes.get(pos), key))
        continue;
      if (!visit(pos)) return;
    }
  }

  /** The event's id as sent (undefined when it had none). */
  private idAt(pos: number): string | undefined {
    const n = this.idBytes.get(pos);
    return n < 0 ? undefined : (JSON.parse(this.text.text(this.textAt.get(pos), n)) as string);
  }

  /** The payload without id, accountId and schemaName, as JSON text. */
  private restAt(pos: number): string {
    return this.text.text(this.textAt.get(pos) + Math.max(this.idBytes.get(pos), 0), this.restBytes.get(pos));
  }

  private statusOf(pos: number): EventStatus {
    return EVENT_STATUSES[this.status.get(pos)]!;
  }

  private failed(pos: number, reason: string): CorrectionOutcome {
    return { status: 'FAILED', reason, event: this.at(pos) };
  }

  /** The event as it was sent (id, accountId and schemaName first). */
  private payloadAt(pos: number): EventPayload {
    const head: Partial<EventPayload> = {};
    const id = this.idAt(pos);
    if (id !== undefined) head.id = id;
    head.accountId = this.names[this.sentAccount.get(pos)]!;
    head.schemaName = this.names[this.schema.get(pos)]!;
    return Object.assign(head, JSON.parse(this.restAt(pos)) as object) as EventPayload;
  }

  /** payloadAt's JSON text, put together without parsing the rest. */
  private payloadText(pos: number): string {
    const idBytes = this.idBytes.get(pos);
    let head = idBytes < 0 ? '{' : `{"id":${this.text.text(this.textAt.get(pos), idBytes)},`;
    head += `"accountId":${JSON.stringify(this.names[this.sentAccount.get(pos)]!)}`;
    head += `,"schemaName":${JSON.stringify(this.names[this.schema.get(pos)]!)}`;
    const rest = this.restAt(pos);
    return rest === '{}' ? `${head}}` : `${head},${rest.slice(1)}`;
  }

  private at(pos: number): StoredEvent {
    return {
      referenceId: referenceIdOf(pos),
      payload: this.payloadAt(pos),
      accountId: this.names[this.account.get(pos)]!,
      status: EVENT_STATUSES[this.status.get(pos)]!,
      createdAt: this.createdAt.get(pos),
    };
  }
}
