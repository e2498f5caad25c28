// Journal: the mock's request log (GET /_mock/requests), newest on top,
// filtered on the server by method/path/operationId and here by outcome.
// Clicking an entry shows its bodies; a failed validation marks the field
// its message names.

import { call } from './api.js';
import { amount, h, httpStatusKind, mount, pill, time } from './dom.js';
import { failedField, jsonView, messageWithField } from './json-view.js';

export const JOURNAL_LIMIT = 200;
const POLL_MS = 2000;

const METHODS = ['', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

// Kept while the page lives, so switching tabs does not lose the filters.
const filters = { method: '', path: '', operationId: '', outcome: 'all', live: true };
const openIds = new Set();

/** Renders the journal into `view`; returns a stop() for the live refresh. */
export function showJournal(view) {
  const list = h('div', { id: 'journal-list' });
  const summary = h('span', { class: 'hint', id: 'journal-summary' });
  let lastNewest;
  let inFlight = false;
  let again = false;
  let stopped = false;

  async function refresh(force = false) {
    if (stopped) return;
    if (inFlight) {
      // A filter change during a poll must not be lost: run again afterwards.
      if (force) again = true;
      return;
    }
    inFlight = true;
    try {
      const query = { method: filters.method, path: filters.path, operationId: filters.operationId };
      if (!force) {
        // Cheap poll: only the newest matching entry; reload when it changed
        // (new requests, or the journal was cleared).
        const probe = await call('GET', 'requests', { query: { ...query, limit: 1 } });
        const newest = probe?.requests?.at(-1)?.id ?? 'none';
        if (stopped || newest === lastNewest) return;
      }
      const data = await call('GET', 'requests', { query: { ...query, limit: JOURNAL_LIMIT } });
      if (stopped) return;
      const all = data?.requests ?? [];
      lastNewest = all.at(-1)?.id ?? 'none';
      let entries = [...all].reverse(); // the API lists newest last
      if (filters.outcome === 'errors') entries = entries.filter((r) => r.status >= 400);
      if (filters.outcome === 'ok') entries = entries.filter((r) => r.status < 400);
      draw(entries);
      summary.textContent = `${amount(entries.length)} shown (newest ${JOURNAL_LIMIT} matching) · updated ${new Date().toISOString().slice(11, 19)}Z`;
    } catch {
      // The status line already shows the error; keep the last good list.
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        refresh(true);
      }
    }
  }

  function draw(entries) {
    if (entries.length === 0) {
      mount(list, h('p', { class: 'empty' }, 'No requests recorded (with these filters).'));
      return;
    }
    const body = h('tbody');
    for (const r of entries) {
      const failed = r.status >= 400;
      const toggle = () => {
        if (openIds.has(r.id)) openIds.delete(r.id);
        else openIds.add(r.id);
        draw(entries);
      };
      body.append(
        h(
          'tr',
          {
            class: `entry${failed ? ' failed' : ''}${openIds.has(r.id) ? ' open' : ''}`,
            dataset: { requestId: r.id, status: String(r.status) },
            tabindex: 0,
            'aria-expanded': String(openIds.has(r.id)),
            onclick: toggle,
            onkeydown: (e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                toggle();
              }
            },
          },
          h('td', null, h('time', { datetime: r.time, title: r.time }, time(r.time).slice(11))),
          h('td', null, h('span', { class: 'method' }, r.method)),
          h('td', { class: 'mono path' }, r.path, r.query ? h('span', { class: 'faint' }, `?${r.query}`) : ''),
          h('td', null, r.operationId ?? '—'),
          h('td', null, pill(r.status, httpStatusKind(r.status))),
          h('td', { class: 'num' }, `${amount(Math.round((r.latencyMs ?? 0) * 10) / 10)} ms`),
          h(
            'td',
            { class: 'error-cell' },
            r.fault ? h('span', { class: 'tag' }, `fault ${r.fault}`) : '',
            r.fault && r.error ? ' ' : '',
            r.error ? messageWithField(r.error) : '',
          ),
        ),
      );
      if (openIds.has(r.id))
        body.append(h('tr', { class: 'detail', dataset: { requestId: r.id } }, h('td', { colspan: 7 }, details(r))));
    }
    mount(
      list,
      h(
        'table',
        { class: 'grid', id: 'journal-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['Time', 'Method', 'Path', 'Operation', 'Status', 'Latency', 'Error'].map((t) => h('th', null, t)),
          ),
        ),
        body,
      ),
    );
  }

  const filterForm = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        readFilters(e.target);
        refresh(true);
      },
      onchange: (e) => {
        readFilters(e.currentTarget);
        refresh(true);
      },
    },
    h(
      'label',
      null,
      'Method ',
      h(
        'select',
        { name: 'method' },
        METHODS.map((m) => h('option', { value: m, selected: m === filters.method }, m || 'any')),
      ),
    ),
    h('label', null, 'Path ', h('input', { name: 'path', value: filters.path, placeholder: '/credits' })),
    h(
      'label',
      null,
      'Operation ',
      h('input', { name: 'operationId', value: filters.operationId, placeholder: 'createCredit' }),
    ),
    h(
      'label',
      null,
      'Outcome ',
      h(
        'select',
        { name: 'outcome' },
        [
          ['all', 'all'],
          ['errors', 'errors (4xx/5xx)'],
          ['ok', 'successes'],
        ].map(([v, t]) => h('option', { value: v, selected: v === filters.outcome }, t)),
      ),
    ),
    h('label', null, h('input', { type: 'checkbox', name: 'live', checked: filters.live }), ' live'),
    h('button', { type: 'submit' }, 'Apply'),
    h('button', { type: 'button', onclick: () => refresh(true) }, 'Refresh'),
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: async () => {
          await call('DELETE', 'requests');
          openIds.clear();
          refresh(true);
        },
      },
      'Clear journal',
    ),
  );

  mount(view, h('div', { class: 'toolbar' }, h('h2', null, 'Journal'), summary), filterForm, list);
  refresh(true);
  // Live view: poll while the tab is visible; one request at a time.
  const timer = setInterval(() => {
    if (filters.live && document.visibilityState === 'visible') refresh();
  }, POLL_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

function readFilters(form) {
  const f = form.elements;
  filters.method = f.method.value;
  filters.path = f.path.value.trim();
  filters.operationId = f.operationId.value.trim();
  filters.outcome = f.outcome.value;
  filters.live = f.live.checked;
}

function details(r) {
  const field = r.status >= 400 ? failedField(r.error) : undefined;
  return h(
    'div',
    { class: 'entry-detail' },
    h(
      'p',
      { class: 'meta' },
      `#${r.id}`,
      ' · ',
      r.time,
      ' · tenant ',
      h('span', { class: 'mono' }, r.tenant ?? 'none (unauthenticated)'),
      r.fault ? ` · answered by fault ${r.fault}` : '',
      r.truncated ? ' · bodies clipped at 16 KiB' : '',
    ),
    r.error && h('p', { class: 'error-message' }, messageWithField(r.error)),
    h(
      'div',
      { class: 'bodies' },
      h(
        'div',
        null,
        h('h4', null, 'Request body', field ? h('span', { class: 'hint' }, ` — ${field} highlighted`) : ''),
        body(r.requestBody, field),
      ),
      h('div', null, h('h4', null, 'Response body'), body(r.responseBody)),
    ),
  );
}

/** A clipped body arrives as a string: show it as text, not as a JSON string. */
function body(value, field) {
  return typeof value === 'string' ? h('pre', { class: 'json' }, value) : jsonView(value, field);
}
