// Controls: the fake clock, fault rules, seed and reset. Each button is one
// call to the /_mock API; the page shows what the API answered.

import { call, controlUrl } from './api.js';
import { amount, h, mount, timeEl } from './dom.js';

const UNITS = [
  ['1', 'seconds'],
  ['60', 'minutes'],
  ['3600', 'hours'],
  ['86400', 'days'],
];

export function showControls(view) {
  const clockBox = h('section', { class: 'panel', id: 'clock-panel' });
  const faultsBox = h('section', { class: 'panel', id: 'faults-panel' });
  const seedBox = h('section', { class: 'panel', id: 'seed-panel' });
  const rateBox = h('section', { class: 'panel', id: 'rate-panel' });
  const resetBox = h('section', { class: 'panel', id: 'reset-panel' });
  mount(
    view,
    h('div', { class: 'toolbar' }, h('h2', null, 'Controls')),
    h('div', { class: 'panels' }, clockBox, seedBox, rateBox, resetBox, faultsBox),
  );
  drawClock(clockBox);
  drawFaults(faultsBox);
  drawSeed(seedBox);
  drawRateLimit(rateBox);
  drawReset(resetBox);
}

/** Runs an action, showing "working…" and its outcome on `out`. */
async function act(out, fn) {
  out.textContent = 'working…';
  out.className = 'outcome';
  try {
    const msg = await fn();
    out.textContent = msg ?? 'done';
  } catch (err) {
    out.textContent = err.message;
    out.className = 'outcome bad';
  }
}

// ---- clock ----------------------------------------------------------------

async function drawClock(box) {
  const now = h('strong', { id: 'clock-now' }, '…');
  const mode = h('span', { id: 'clock-mode' });
  const out = h('p', { class: 'outcome', id: 'clock-outcome' });
  const setInput = h('input', {
    name: 'now',
    id: 'clock-set',
    size: 26,
    placeholder: '2025-01-01T00:00:00Z',
    'aria-label': 'New time (ISO, UTC)',
  });

  let ticker;
  const show = (clock) => {
    // While the clock follows real time, keep the shown time moving with it.
    clearInterval(ticker);
    if (!clock.frozen) {
      const base = Date.parse(clock.now) - Date.now();
      ticker = setInterval(() => {
        if (!box.isConnected) return clearInterval(ticker);
        now.replaceChildren(timeEl(new Date(Date.now() + base).toISOString()));
      }, 1000);
    }
    now.replaceChildren(timeEl(clock.now));
    mode.textContent = clock.frozen ? 'frozen' : 'follows real time';
    mode.className = clock.frozen ? 'pill pill-frozen' : 'pill pill-real';
    if (document.activeElement !== setInput) setInput.value = clock.now;
    return `clock at ${clock.now}${clock.frozen ? ' (frozen)' : ''}`;
  };
  const advance = (seconds) => act(out, async () => show(await call('POST', 'clock/advance', { body: { seconds } })));

  mount(
    box,
    h('h3', null, 'Clock'),
    h('p', null, 'Now: ', now, ' ', mode),
    h(
      'form',
      {
        class: 'inline',
        onsubmit: (e) => {
          e.preventDefault();
          const value = setInput.value.trim();
          act(out, async () => show(await call('PUT', 'clock', { body: { now: value } })));
        },
      },
      setInput,
      h('button', { type: 'submit', id: 'clock-set-button' }, 'Set & freeze'),
    ),
    h(
      'form',
      {
        class: 'inline',
        onsubmit: (e) => {
          e.preventDefault();
          const f = e.target.elements;
          advance(Number(f.amount.value) * Number(f.unit.value));
        },
      },
      h('input', {
        name: 'amount',
        id: 'clock-advance-amount',
        type: 'number',
        step: 'any',
        value: '1',
        'aria-label': 'Advance by',
        class: 'short',
      }),
      h(
        'select',
        { name: 'unit', id: 'clock-advance-unit', 'aria-label': 'Unit' },
        UNITS.map(([v, t]) => h('option', { value: v, selected: t === 'days' }, t)),
      ),
      h('button', { type: 'submit', id: 'clock-advance-button' }, 'Advance'),
    ),
    h(
      'p',
      { class: 'inline' },
      h('button', { type: 'button', onclick: () => advance(3600) }, '+1 hour'),
      h('button', { type: 'button', onclick: () => advance(86400) }, '+1 day'),
      h('button', { type: 'button', onclick: () => advance(30 * 86400) }, '+30 days'),
      h(
        'button',
        { type: 'button', id: 'clock-real', onclick: () => act(out, async () => show(await call('DELETE', 'clock'))) },
        'Back to real time',
      ),
      h(
        'button',
        {
          type: 'button',
          onclick: () =>
            act(out, async () => {
              show(await call('GET', 'clock'));
              return 'refreshed';
            }),
        },
        'Refresh',
      ),
    ),
    out,
  );
  try {
    show(await call('GET', 'clock'));
  } catch (err) {
    now.textContent = '?';
    out.textContent = err.message;
    out.className = 'outcome bad';
  }
}

// ---- faults ---------------------------------------------------------------

async function drawFaults(box) {
  const out = h('p', { class: 'outcome', id: 'faults-outcome' });
  const list = h('div', { id: 'faults-list' });
  const operations = h('datalist', { id: 'operation-ids' });

  async function reload() {
    const data = await call('GET', 'faults');
    const faults = data?.faults ?? [];
    mount(
      list,
      faults.length === 0
        ? h('p', { class: 'empty' }, 'No fault rules: every request is answered normally.')
        : h(
            'div',
            { class: 'scroll-x' },
            h(
              'table',
              { class: 'grid' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  [
                    'Id',
                    'Method',
                    'Path',
                    'Operation',
                    'Status',
                    'Message',
                    'Latency',
                    'Times left',
                    'Probability',
                    'Fired',
                    '',
                  ].map((t) => h('th', null, t)),
                ),
              ),
              h(
                'tbody',
                null,
                faults.map((f) =>
                  h(
                    'tr',
                    { dataset: { faultId: f.id } },
                    h('td', { class: 'mono' }, f.id),
                    h('td', null, f.match?.method ?? 'any'),
                    h('td', { class: 'mono' }, f.match?.path ?? 'any'),
                    h('td', null, f.match?.operationId ?? 'any'),
                    h('td', null, f.status ?? '—'),
                    h('td', null, f.message ?? '—'),
                    h('td', { class: 'num' }, f.latencyMs === undefined ? '—' : `${amount(f.latencyMs)} ms`),
                    h('td', { class: 'num' }, f.times ?? '∞'),
                    h('td', { class: 'num' }, f.probability ?? 1),
                    h('td', { class: 'num' }, f.fired ?? 0),
                    h(
                      'td',
                      null,
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'danger',
                          onclick: () =>
                            act(out, async () => {
                              await call('DELETE', `faults/${encodeURIComponent(f.id)}`);
                              await reload();
                              return `removed ${f.id}`;
                            }),
                        },
                        'Remove',
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
    );
    return `${faults.length} rule${faults.length === 1 ? '' : 's'}`;
  }

  const text = (name, label, attrs = {}) => h('label', null, label, ' ', h('input', { name, ...attrs }));
  const form = h(
    'form',
    {
      class: 'grid-form',
      onsubmit: (e) => {
        e.preventDefault();
        const f = e.target.elements;
        const match = {};
        for (const key of ['method', 'path', 'operationId']) if (f[key].value.trim()) match[key] = f[key].value.trim();
        const rule = { match };
        if (f.message.value.trim()) rule.message = f.message.value.trim();
        for (const key of ['status', 'latencyMs', 'times', 'probability'])
          if (f[key].value.trim() !== '') rule[key] = Number(f[key].value);
        act(out, async () => {
          const made = await call('POST', 'faults', { body: rule });
          await reload();
          return `added ${made?.id ?? 'rule'}`;
        });
      },
    },
    h(
      'label',
      null,
      'Method ',
      h(
        'select',
        { name: 'method' },
        ['', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => h('option', { value: m }, m || 'any')),
      ),
    ),
    text('path', 'Path', { placeholder: '/credits' }),
    text('operationId', 'Operation', { placeholder: 'createCredit', list: 'operation-ids' }),
    text('status', 'Status', { type: 'number', min: 400, max: 599, placeholder: '503', class: 'short' }),
    text('message', 'Message', { placeholder: 'Service unavailable' }),
    text('latencyMs', 'Latency ms', { type: 'number', min: 0, class: 'short' }),
    text('times', 'Times', { type: 'number', min: 1, class: 'short', placeholder: '∞' }),
    text('probability', 'Probability', {
      type: 'number',
      min: 0,
      max: 1,
      step: 'any',
      class: 'short',
      placeholder: '1',
    }),
    h('button', { type: 'submit' }, 'Add rule'),
  );

  mount(
    box,
    h('h3', null, 'Fault rules'),
    operations,
    list,
    form,
    h(
      'p',
      { class: 'inline' },
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          onclick: () =>
            act(out, async () => {
              await call('DELETE', 'faults');
              await reload();
              return 'all rules removed';
            }),
        },
        'Remove all',
      ),
    ),
    out,
  );
  await act(out, reload);
  fillOperationIds(operations);
}

/** Offers the Togai API's operationIds, read from the specs the mock serves. */
async function fillOperationIds(datalist) {
  try {
    const docs = await Promise.all(
      ['togai-credits', 'togai-accounts'].map(async (name) =>
        (await fetch(new URL(`docs/specs/${name}.json`, controlUrl('')))).json(),
      ),
    );
    const ids = docs.flatMap((doc) =>
      Object.values(doc.paths ?? {}).flatMap((item) =>
        Object.values(item)
          .map((op) => op?.operationId)
          .filter(Boolean),
      ),
    );
    mount(
      datalist,
      ids.map((id) => h('option', { value: id })),
    );
  } catch {
    // Only a convenience; typing works without it.
  }
}

// ---- seed and reset -------------------------------------------------------

function drawSeed(box) {
  const out = h('p', { class: 'outcome', id: 'seed-outcome' });
  mount(
    box,
    h('h3', null, 'Seed'),
    h('p', { class: 'hint' }, 'Adds generated accounts and credits (reproducible for a given seed).'),
    h(
      'form',
      {
        class: 'grid-form',
        onsubmit: (e) => {
          e.preventDefault();
          const f = e.target.elements;
          const body = {
            seed: Number(f.seed.value),
            accounts: Number(f.accounts.value),
            creditsPerAccount: Number(f.creditsPerAccount.value),
          };
          act(out, async () => {
            const made = await call('POST', 'seed', { body });
            const seed = made?.seed === undefined ? '' : ` (seed ${made.seed})`;
            return `seeded ${amount(made?.accounts?.length ?? 0)} accounts and ${amount(made?.credits?.length ?? 0)} credits${seed}`;
          });
        },
      },
      h('label', null, 'Seed ', h('input', { name: 'seed', type: 'number', value: '1', class: 'short' })),
      h(
        'label',
        null,
        'Accounts ',
        h('input', { name: 'accounts', type: 'number', min: 1, value: '10', class: 'short' }),
      ),
      h(
        'label',
        null,
        'Credits per account ',
        h('input', { name: 'creditsPerAccount', type: 'number', min: 0, value: '3', class: 'short' }),
      ),
      h('button', { type: 'submit' }, 'Seed'),
    ),
    out,
  );
}

async function drawRateLimit(box) {
  const out = h('p', { class: 'outcome', id: 'rate-outcome' });
  const input = h('input', {
    name: 'requestsPerSecond',
    type: 'number',
    min: 0,
    class: 'short',
    'aria-label': 'Requests per second',
  });
  const show = (r) => {
    input.value = String(r.requestsPerSecond);
    return r.requestsPerSecond === 0 ? 'no limit' : `${amount(r.requestsPerSecond)} requests/s per credential`;
  };
  mount(
    box,
    h('h3', null, 'Rate limit'),
    h('p', { class: 'hint' }, 'Beyond it the Togai API answers 429, like Togai (10/s). 0 = no limit.'),
    h(
      'form',
      {
        class: 'inline',
        onsubmit: (e) => {
          e.preventDefault();
          act(out, async () =>
            show(await call('PUT', 'rate-limit', { body: { requestsPerSecond: Number(input.value) } })),
          );
        },
      },
      input,
      h('span', null, 'requests/s'),
      h('button', { type: 'submit' }, 'Set'),
    ),
    out,
  );
  await act(out, async () => show(await call('GET', 'rate-limit')));
}

function drawReset(box) {
  const out = h('p', { class: 'outcome', id: 'reset-outcome' });
  let armed;
  // Two clicks instead of confirm(): no native dialog, still no accidents.
  const button = h(
    'button',
    {
      type: 'button',
      class: 'danger',
      id: 'reset-button',
      onclick: () => {
        if (!armed) {
          button.textContent = 'Click again to erase everything';
          armed = setTimeout(() => {
            armed = undefined;
            button.textContent = 'Reset';
          }, 5000);
          return;
        }
        clearTimeout(armed);
        armed = undefined;
        button.textContent = 'Reset';
        act(out, async () => {
          await call('POST', 'reset');
          return 'all state erased';
        });
      },
    },
    'Reset',
  );
  mount(
    box,
    h('h3', null, 'Reset'),
    h(
      'p',
      { class: 'hint' },
      'Forgets accounts, credits, holds and the clock (only the chosen tenant’s when tenants are isolated).',
    ),
    button,
    out,
  );
}
