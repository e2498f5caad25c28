// Customers and what an account is beyond its credits: the customers list
// (each with its accounts), and for one account its customer, aliases with
// their windows, wallet with its newest entries, and its events with their
// ingestion statuses. Archived customers and accounts are shown (marked), as
// are aliases outside their window: the dashboard shows all the fake keeps.

import { call } from './api.js';
import { amount, h, mount, pager, pill, timeEl } from './dom.js';

export const CUSTOMERS_PAGE = 50;
export const EVENTS_PAGE = 50;
const ENTRIES_SHOWN = 50;

const accountHref = (id) => `#/accounts/${encodeURIComponent(id)}`;

const EVENT_STATUSES = [
  'INGESTION_COMPLETED_NO_MATCHING_METERS',
  'INGESTION_FAILED_NO_EVENT_ID',
  'INGESTION_FAILED_ACCOUNT_NOT_FOUND',
  'INGESTION_FAILED_PAST_GRACE_PERIOD',
  'INGESTION_FAILED_DUPLICATE_EVENT',
  'REVERTED',
];

/** An event status's pill: completed green, failed red, reverted grey (the full status as its text). */
function eventPill(status) {
  const kind = status.startsWith('INGESTION_COMPLETED')
    ? 'completed'
    : status.startsWith('INGESTION_FAILED')
      ? 'failed'
      : 'reverted';
  return pill(status, kind);
}

/** The customers list, page starting at `offset`. */
export async function showCustomers(view, { offset = 0 } = {}) {
  offset = Math.max(0, Math.floor(offset) || 0);
  const data = await call('GET', 'customers', { query: { offset, limit: CUSTOMERS_PAGE } });
  const customers = data?.customers ?? [];
  const total = data?.total ?? customers.length;

  const rows = customers.map((c) =>
    h(
      'tr',
      { dataset: { customerId: c.id, status: c.status } },
      h('td', { class: 'mono' }, c.id),
      h('td', null, c.name),
      h('td', null, c.primaryEmail),
      h('td', null, pill(c.status)),
      h('td', { class: 'num' }, amount(c.contactCount)),
      h(
        'td',
        { class: 'accounts-cell' },
        c.accounts.length === 0
          ? h('span', { class: 'faint' }, 'none')
          : h(
              'ul',
              { class: 'plain' },
              c.accounts.map((a) =>
                h(
                  'li',
                  { dataset: { accountId: a.id, status: a.status } },
                  h('a', { href: accountHref(a.id), class: 'account-link' }, a.id),
                  ' ',
                  h('span', { class: 'faint' }, a.name),
                  ' ',
                  pill(a.status),
                ),
              ),
            ),
      ),
      h('td', null, timeEl(c.createdAt)),
    ),
  );

  mount(
    view,
    h('div', { class: 'toolbar' }, h('h2', null, 'Customers'), h('span', { class: 'hint' }, 'Archived ones included.')),
    customers.length === 0
      ? h(
          'p',
          { class: 'empty' },
          total > 0
            ? 'No customers on this page.'
            : 'No customers yet: create one through the API (POST /customers), or grant a credit to a new account.',
        )
      : h(
          'table',
          { class: 'grid', id: 'customers-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Customer', 'Name', 'Email', 'Status'].map((t) => h('th', null, t)),
              h('th', { class: 'num' }, 'Contacts'),
              h('th', null, 'Accounts'),
              h('th', null, 'Created'),
            ),
          ),
          h('tbody', null, rows),
        ),
    pager(offset, CUSTOMERS_PAGE, total, customers.length, (o) => {
      location.hash = `#/customers?offset=${o}`;
    }),
  );
}

/** The account's profile (undefined when the directory has no such account), with its newest wallet entries. */
export function loadProfile(accountId) {
  return call('GET', `accounts/${encodeURIComponent(accountId)}/profile`, {
    query: { entries: ENTRIES_SHOWN },
    optional: true,
  });
}

/** The line under the account's title: its customer, name and status. */
export function profileMeta(p) {
  return h(
    'p',
    { class: 'meta', id: 'account-profile' },
    'Customer ',
    h('strong', { id: 'customer-name' }, p.customer.name),
    ' (',
    h('span', { class: 'mono', id: 'customer-id' }, p.customer.id),
    ') ',
    p.customer.status === 'ACTIVE' ? '' : pill(p.customer.status),
    ' · account ',
    h('strong', null, p.account.name),
    ' ',
    h('span', { id: 'account-status' }, pill(p.account.status)),
    ' · invoice currency ',
    h('strong', null, p.account.invoiceCurrency),
    ' · created ',
    timeEl(p.account.createdAt),
  );
}

/** Aliases with their windows (an open end shown as such), and whether each is in effect now. */
export function aliasesSection(p) {
  const end = (iso, open) => (iso.startsWith(open) ? h('span', { class: 'faint' }, 'open') : timeEl(iso));
  return h(
    'section',
    null,
    h('h3', null, `Aliases (${amount(p.aliases.length)})`),
    p.aliases.length === 0
      ? h('p', { class: 'empty' }, 'No aliases.')
      : h(
          'table',
          { class: 'grid', id: 'aliases-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Alias', 'Effective from', 'Effective until', 'Now'].map((t) => h('th', null, t)),
            ),
          ),
          h(
            'tbody',
            null,
            p.aliases.map((a) =>
              h(
                'tr',
                { dataset: { alias: a.value, effectiveNow: String(a.effectiveNow) } },
                h('td', { class: 'mono' }, a.value),
                h('td', { dataset: { field: 'effectiveFrom' } }, end(a.effectiveFrom, '0001-')),
                h('td', { dataset: { field: 'effectiveUntil' } }, end(a.effectiveUntil, '9999-')),
                h('td', null, a.effectiveNow ? pill('in effect', 'active') : pill('not in effect', 'idle')),
              ),
            ),
          ),
        ),
  );
}

/** The wallet's balance and hold as cards, and its newest entries. */
export function walletSection(p) {
  const w = p.wallet;
  const entries = p.walletEntries;
  return h(
    'section',
    null,
    h('h3', null, 'Wallet ', pill(w.status)),
    h(
      'div',
      { class: 'cards', id: 'wallet' },
      [
        ['balance', 'Balance', w.balance],
        ['holdAmount', 'On hold', w.holdAmount],
      ].map(([key, label, value]) =>
        h(
          'div',
          { class: 'card', dataset: { field: key } },
          h('div', { class: 'card-label' }, label),
          h('div', { class: 'card-value' }, amount(value)),
          h('div', { class: 'card-unit' }, w.creditUnit),
        ),
      ),
    ),
    h(
      'h4',
      null,
      `Entries (${amount(p.walletEntryCount)})`,
      p.walletEntryCount > entries.length ? ` — newest ${amount(entries.length)} shown` : ' — newest first',
    ),
    entries.length === 0
      ? h('p', { class: 'empty' }, 'No entries: top the wallet up through the API (POST /accounts/{id}/wallet_topup).')
      : h(
          'table',
          { class: 'grid', id: 'wallet-entries' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, 'Entry'),
              h('th', null, 'Type'),
              h('th', null, 'Status'),
              h('th', { class: 'num' }, 'Amount'),
              h('th', { class: 'num' }, 'Closing balance'),
              h('th', null, 'Invoice'),
              h('th', null, 'Entity'),
              h('th', null, 'Created'),
            ),
          ),
          h(
            'tbody',
            null,
            entries.map((e) =>
              h(
                'tr',
                { dataset: { entryId: e.id, type: e.transactionType, status: e.status } },
                h('td', { class: 'mono' }, e.id),
                h('td', null, pill(e.transactionType)),
                h('td', null, pill(e.status)),
                h(
                  'td',
                  { class: 'num', dataset: { field: 'amount' } },
                  `${e.transactionType === 'DEBITED' ? '−' : '+'}${amount(e.amount)}`,
                ),
                h('td', { class: 'num', dataset: { field: 'closingBalance' } }, amount(e.closingBalance)),
                h('td', { class: 'nowrap' }, e.invoiceId ?? '—'),
                h('td', { class: 'nowrap' }, e.entityId ?? '—'),
                h('td', null, timeEl(e.createdAt)),
              ),
            ),
          ),
        ),
  );
}

/**
 * The account's events, oldest first, filterable by status, paged forward
 * by the server's nextToken (and back by the tokens already seen).
 */
export function eventsSection(accountId) {
  const ui = { status: '', tokens: [undefined] };
  const box = h('div', { id: 'events' });
  const filter = h(
    'select',
    {
      'aria-label': 'Filter events by status',
      name: 'eventStatus',
      onchange: (e) => {
        ui.status = e.target.value;
        ui.tokens = [undefined];
        redraw();
      },
    },
    ['', ...EVENT_STATUSES].map((s) => h('option', { value: s }, s || 'All statuses')),
  );

  // A failed call is already on the status line (api.js); nothing more to do with it here.
  const redraw = () => {
    draw().catch(() => {});
  };

  async function draw() {
    const page = ui.tokens.length - 1;
    const data = await call('GET', `accounts/${encodeURIComponent(accountId)}/events`, {
      query: { status: ui.status, nextToken: ui.tokens[page], limit: EVENTS_PAGE },
    });
    const events = data?.events ?? [];
    const first = page * EVENTS_PAGE;
    mount(
      box,
      events.length === 0
        ? h('p', { class: 'empty' }, ui.status ? 'No events with this status.' : 'No events.')
        : h(
            'table',
            { class: 'grid', id: 'events-table' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['Event id', 'Schema', 'Timestamp', 'Sent as', 'Status', 'Ingested', 'Reference'].map((t) =>
                  h('th', null, t),
                ),
              ),
            ),
            h(
              'tbody',
              null,
              events.map((e) =>
                h(
                  'tr',
                  { dataset: { referenceId: e.referenceId, status: e.status, eventId: e.event.id ?? '' } },
                  h('td', { class: 'mono' }, e.event.id ?? '—'),
                  h('td', null, e.event.schemaName),
                  h('td', null, timeEl(e.event.timestamp)),
                  h('td', { class: 'mono', dataset: { field: 'sentAs' } }, e.event.accountId),
                  h('td', { title: e.statusDescription }, eventPill(e.status)),
                  h('td', null, timeEl(e.ingestedAt)),
                  h('td', { class: 'mono faint' }, e.referenceId),
                ),
              ),
            ),
          ),
      (page > 0 || data?.nextToken !== undefined) &&
        h(
          'div',
          { class: 'pager' },
          h(
            'button',
            {
              type: 'button',
              disabled: page === 0,
              onclick: () => {
                ui.tokens.pop();
                redraw();
              },
            },
            '← Previous',
          ),
          h('span', null, events.length === 0 ? '—' : `${amount(first + 1)}–${amount(first + events.length)}`),
          h(
            'button',
            {
              type: 'button',
              disabled: data?.nextToken === undefined,
              onclick: () => {
                ui.tokens.push(data.nextToken);
                redraw();
              },
            },
            'Next →',
          ),
        ),
    );
  }

  const section = h(
    'section',
    null,
    h(
      'div',
      { class: 'toolbar' },
      h('h3', null, 'Events'),
      filter,
      h('span', { class: 'hint' }, 'Hover a status for what it means.'),
    ),
    box,
  );
  return { section, ready: draw() };
}
