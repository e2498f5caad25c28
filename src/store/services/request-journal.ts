// The request journal kept in a JournalStore that several replicas share
// (Redis): GET /_mock/requests and the dashboard then show what every
// replica answered, in one order, each entry naming its replica. The entry is
// made (bodies parsed and clipped) when the request is recorded, since it
// leaves the process as JSON; the memory journal (store/services/journal.ts) defers
// that to the first read instead.

import { entryMatcher, entryOf, type JournalEntry, type JournalFilter, type RecordedRequest, type RequestJournal, type TemplateOf } from './journal.js';
import type { JournalRecord, JournalStore } from './types.js';

type Stored = Omit<JournalEntry, 'id'>;

const view = (record: JournalRecord<Stored>): JournalEntry => ({ ...record.entry, id: record.id, replica: record.replica });

export class SharedJournal implements RequestJournal {
  constructor(private readonly store: JournalStore<Stored>) {}

  get limit(): number {
    return this.store.limit;
  }

  record(request: RecordedRequest): void {
    if (this.store.limit <= 0) return;
    // add() never rejects: a lost entry is counted and logged by the store.
    void this.store.add(entryOf(request));
  }

  async list(filter: JournalFilter, templates?: TemplateOf): Promise<JournalEntry[]> {
    const records = await this.store.list({ limit: filter.limit, after: filter.after, match: entryMatcher(filter, templates) });
    return records.map(view);
  }

  async clear(tenant?: string): Promise<void> {
    await this.store.clear(tenant === undefined ? undefined : (e) => e.tenant === tenant);
  }
}
