// Accounts: a server-paged list of every account with its balance, and one
// account's credits (client-paged) with each credit's transactions as a
// timeline. Pages are fetched with offset/limit so 1,000 accounts or 100,000
// credits never end up in the DOM at once.

import { call } from './api.js';
import { balanceChart } from './chart.js';
import { aliasesSection, eventsSection, loadProfile, profileMeta, walletSection } from './directory.js';
import { amount, h, mount, pager, pill, timeEl } from './dom.js';

export const ACCOUNTS_PAGE = 50;
export const CREDITS_PAGE = 50;
const HOLDS_SHOWN = 200;

const BALANCE_FIELDS = [
  ['activeCredits', 'Active'],
  ['availableBalance', 'Available'],
  ['runningBalance', 'Running'],
  ['inapplicableCredits', 'Inapplicable'],
];

export const accountHref = (id) => `#/accounts/${encodeURIComponent(id)}`;

/** The accounts list, page starting at `offset`. */
export async function showAccounts(view, { offset = 0 } = {}) {
  offset = Math.max(0, Math.floor(offset) || 0);
  const data = await call('GET', 'accounts', { query: { offset, limit: ACCOUNTS_PAGE } });
  const accounts = data?.accounts ?? [];
  const total = data?.total ?? accounts.length;

  const open = h(
    'form',
    {
      class: 'inline',
      onsubmit: (e) => {
        e.preventDefault();
        const id = e.target.elements.accountId.value.trim();
        if (id) location.hash = accountHref(id);
      },
    },
    h('input', { name: 'accountId', placeholder: 'Account id', 'aria-label': 'Account id', required: true }),
    h('button', { type: 'submit' }, 'Open'),
  );

  const rows = accounts.map((a) =>
    h(
      'tr',
      { dataset: { accountId: a.accountId } },
      h('td', null, h('a', { href: accountHref(a.accountId), class: 'account-link' }, a.accountId)),
      h('td', null, a.customerId),
      h('td', { class: 'num' }, a.creditCount ?? '—'),
      BALANCE_FIELDS.map(([key]) => h('td', { class: 'num', dataset: { field: key } }, amount(a.balance?.[key]))),
      h('td', null, a.balance?.unit ?? a.currency),
      h('td', null, timeEl(a.balance?.lastUpdatedAt ?? a.updatedAt)),
    ),
  );

  mount(
    view,
    h('div', { class: 'toolbar' }, h('h2', null, 'Accounts'), open),
    accounts.length === 0
      ? h(
          'p',
          { class: 'empty' },
          total > 0
            ? 'No accounts on this page.'
            : 'No accounts yet: grant a credit through the API, or seed some under Controls.',
        )
      : h(
          'table',
          { class: 'grid', id: 'accounts-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, 'Account'),
              h('th', null, 'Customer'),
              h('th', { class: 'num' }, 'Credits'),
              BALANCE_FIELDS.map(([, label]) => h('th', { class: 'num' }, label)),
              h('th', null, 'Unit'),
              h('th', null, 'Last updated'),
            ),
          ),
          h('tbody', null, rows),
        ),
    pager(offset, ACCOUNTS_PAGE, total, accounts.length, (o) => {
      location.hash = `#/accounts?offset=${o}`;
    }),
  );
}

/** One account: balance and its history, holds, credits and their transactions. */
export async function showAccount(view, accountId) {
  // The tenant's clock ends the balance chart at the fake "now".
  const events = eventsSection(accountId);
  const [a, clock, profile] = await Promise.all([
    call('GET', `accounts/${encodeURIComponent(accountId)}`),
    call('GET', 'clock').catch(() => undefined),
    // Every account is in the directory too, but a state file from an older
    // version may hold ledger accounts only: then the page shows no profile.
    loadProfile(accountId),
    // Its first page is drawn into its (still detached) section, so the view appears whole.
    events.ready,
  ]);
  const credits = a.credits ?? [];
  const holds = a.holds ?? [];
  const ui = { page: 0, status: '', open: new Set() };

  const creditsBox = h('div', { id: 'credits' });
  const holdAction = async (action, holdId) => {
    await call('POST', `accounts/${encodeURIComponent(accountId)}/holds/${action}`, { body: { holdId } });
    await showAccount(view, accountId);
  };
  const statusFilter = h(
    'select',
    {
      'aria-label': 'Filter credits by status',
      onchange: (e) => {
        ui.status = e.target.value;
        ui.page = 0;
        drawCredits();
      },
    },
    ['', 'ACTIVE', 'CONSUMED', 'EXPIRED', 'VOIDED'].map((s) => h('option', { value: s }, s || 'All statuses')),
  );

  function drawCredits() {
    const shown = ui.status ? credits.filter((c) => c.status === ui.status) : credits;
    const start = ui.page * CREDITS_PAGE;
    const page = shown.slice(start, start + CREDITS_PAGE);
    const body = h('tbody');
    for (const c of page) {
      const row = creditRow(
        c,
        () => {
          if (ui.open.has(c.id)) ui.open.delete(c.id);
          else ui.open.add(c.id);
          drawCredits();
        },
        ui.open.has(c.id),
      );
      body.append(row);
      if (ui.open.has(c.id))
        body.append(h('tr', { class: 'detail', dataset: { creditId: c.id } }, h('td', { colspan: 11 }, timeline(c))));
    }
    mount(
      creditsBox,
      page.length === 0
        ? h('p', { class: 'empty' }, credits.length === 0 ? 'No credits.' : 'No credits with this status.')
        : h(
            'table',
            { class: 'grid', id: 'credits-table' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', null, 'Credit'),
                h('th', null, 'Status'),
                h('th', null, 'Purpose'),
                h('th', { class: 'num' }, 'Amount'),
                h('th', { class: 'num' }, 'Consumed'),
                h('th', { class: 'num' }, 'Held'),
                h('th', { class: 'num' }, 'Remaining'),
                h('th', { class: 'num' }, 'Priority'),
                h('th', null, 'Effective from'),
                h('th', null, 'Effective until'),
                h('th', null, 'Entities'),
              ),
            ),
            body,
          ),
      pager(start, CREDITS_PAGE, shown.length, page.length, (o) => {
        ui.page = Math.floor(o / CREDITS_PAGE);
        drawCredits();
      }),
    );
  }

  mount(
    view,
    h(
      'div',
      { class: 'toolbar' },
      h('h2', null, h('a', { href: '#/accounts' }, 'Accounts'), ' / ', h('span', { id: 'account-id' }, a.accountId)),
      h('button', { type: 'button', onclick: () => showAccount(view, accountId) }, 'Refresh'),
    ),
    profile
      ? profileMeta(profile)
      : h(
          'p',
          { class: 'meta' },
          'Customer ',
          h('strong', null, a.customerId),
          ' · currency ',
          h('strong', null, a.currency),
          ' · created ',
          timeEl(a.createdAt),
          ' · updated ',
          timeEl(a.updatedAt),
        ),
    h(
      'div',
      { class: 'overview' },
      h(
        'div',
        { class: 'cards', id: 'balance' },
        BALANCE_FIELDS.map(([key, label]) =>
          h(
            'div',
            { class: 'card', dataset: { field: key } },
            h('div', { class: 'card-label' }, label),
            h('div', { class: 'card-value' }, amount(a.balance?.[key])),
            h('div', { class: 'card-unit' }, a.balance?.unit ?? a.currency),
          ),
        ),
      ),
      h(
        'figure',
        { class: 'card chart-card' },
        h(
          'figcaption',
          { class: 'card-label' },
          'Balance over time',
          h('span', { class: 'hint' }, ' — granted minus debited, expired and voided'),
        ),
        balanceChart(a.accountId, credits, a.balance?.unit ?? a.currency, Date.parse(clock?.now)),
      ),
    ),
    profile && h('div', { class: 'profile' }, walletSection(profile), aliasesSection(profile)),
    holds.length > 0 &&
      h(
        'section',
        null,
        h(
          'h3',
          null,
          `Holds (${amount(holds.length)})`,
          holds.length > HOLDS_SHOWN ? h('span', { class: 'hint' }, ` — first ${HOLDS_SHOWN} shown`) : '',
        ),
        h(
          'table',
          { class: 'grid', id: 'holds-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Hold', 'Credit', 'Amount', 'Invoice', 'Entity', 'Created', ''].map((t) => h('th', null, t)),
            ),
          ),
          h(
            'tbody',
            null,
            holds.slice(0, HOLDS_SHOWN).map((hd) =>
              h(
                'tr',
                { dataset: { holdId: hd.holdId } },
                h('td', { class: 'mono' }, hd.holdId),
                h('td', { class: 'mono' }, hd.creditId),
                h('td', { class: 'num' }, amount(hd.amount)),
                h('td', null, hd.invoiceId ?? '—'),
                h('td', null, hd.entityId ?? '—'),
                h('td', null, timeEl(hd.createdAt)),
                h(
                  'td',
                  null,
                  // Settle turns the hold into a DEBITED transaction; release gives it back.
                  h('button', { type: 'button', onclick: () => holdAction('settle', hd.holdId) }, 'Settle'),
                  ' ',
                  h('button', { type: 'button', onclick: () => holdAction('release', hd.holdId) }, 'Release'),
                ),
              ),
            ),
          ),
        ),
      ),
    h(
      'section',
      null,
      h(
        'div',
        { class: 'toolbar' },
        h('h3', null, `Credits (${amount(credits.length)})`),
        statusFilter,
        h('span', { class: 'hint' }, 'Click a credit for its transactions.'),
      ),
      creditsBox,
    ),
    events.section,
  );
  drawCredits();
}

function creditRow(c, toggle, open) {
  const remaining =
    c.status === 'ACTIVE' && typeof c.creditAmount === 'number'
      ? c.creditAmount - (c.consumedAmount ?? 0) - (c.holdAmount ?? 0)
      : undefined;
  return h(
    'tr',
    {
      class: `credit${open ? ' open' : ''}`,
      dataset: { creditId: c.id, status: c.status },
      tabindex: 0,
      'aria-expanded': String(open),
      onclick: toggle,
      onkeydown: (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          toggle();
        }
      },
    },
    h('td', { class: 'mono' }, c.id),
    h('td', null, pill(c.status)),
    h('td', null, c.purpose),
    h('td', { class: 'num', dataset: { field: 'creditAmount' } }, amount(c.creditAmount)),
    h('td', { class: 'num', dataset: { field: 'consumedAmount' } }, amount(c.consumedAmount)),
    h('td', { class: 'num', dataset: { field: 'holdAmount' } }, amount(c.holdAmount)),
    h('td', { class: 'num', dataset: { field: 'remaining' } }, amount(remaining)),
    h('td', { class: 'num' }, c.priority),
    h('td', null, c.effectiveFrom),
    h('td', null, c.effectiveUntil ?? 'open-ended'),
    h('td', null, (c.applicableEntityIds ?? []).length === 0 ? 'all' : c.applicableEntityIds.join(', ')),
  );
}

const SIGN = { CREDITED: '+', DEBITED: '−', EXPIRED: '−', VOIDED: '−' };

/** A credit's transactions, oldest first, as a vertical timeline. */
function timeline(c) {
  const txns = [...(c.transactions ?? [])].sort((x, y) => String(x.createdAt).localeCompare(String(y.createdAt)));
  if (txns.length === 0) return h('p', { class: 'empty' }, 'No transactions.');
  return h(
    'ol',
    { class: 'timeline' },
    txns.map((t) =>
      h(
        'li',
        {
          class: `txn txn-${String(t.transactionType).toLowerCase()}`,
          dataset: { transactionId: t.id, type: t.transactionType },
        },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        timeEl(t.createdAt),
        pill(t.transactionType),
        h('span', { class: 'txn-amount' }, `${SIGN[t.transactionType] ?? ''}${amount(t.amount)}`),
        t.invoiceId && h('span', { class: 'tag' }, `invoice ${t.invoiceId}`),
        t.entityId && h('span', { class: 'tag' }, `entity ${t.entityId}`),
        h('span', { class: 'mono faint' }, t.id),
      ),
    ),
  );
}
