// An account's balance over time: a small inline SVG step chart built from
// its credits' transactions (CREDITED adds; DEBITED, EXPIRED and VOIDED
// subtract), so the total after the last step is what the account still has
// (available plus not yet in effect). Built with DOM calls like the rest of
// the page: nothing is fetched, and no piece of data becomes markup.

import { amount, h, time } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const SIGN = { CREDITED: 1, DEBITED: -1, EXPIRED: -1, VOIDED: -1 };
const WIDTH = 800;
const HEIGHT = 180;
const PAD = { left: 58, right: 14, top: 12, bottom: 26 };
// Beyond this many points the markers would only blur the line.
const MARKERS_UP_TO = 120;
const HOUR_MS = 3_600_000;

/** Sums like the API does (15 significant digits), so 0.1 + 0.2 is 0.3 here too. */
const round = (n) => Number(n.toPrecision(15));

/**
 * The balance after each instant that had transactions, oldest first:
 * [{ ms, value, change, count }]. Transactions at the same instant (a grant of
 * several credits) make one point.
 */
export function balanceSeries(credits) {
  const txns = [];
  for (const c of credits) {
    for (const t of c.transactions ?? []) {
      const sign = SIGN[t.transactionType];
      const ms = Date.parse(t.createdAt);
      if (sign !== undefined && Number.isFinite(ms) && typeof t.amount === 'number')
        txns.push({ ms, delta: sign * t.amount });
    }
  }
  txns.sort((x, y) => x.ms - y.ms);
  const points = [];
  let value = 0;
  for (const t of txns) {
    const before = value;
    value = round(value + t.delta);
    const last = points[points.length - 1];
    if (last !== undefined && last.ms === t.ms) {
      last.value = value;
      last.change = round(last.change + (value - before));
      last.count++;
    } else {
      points.push({ ms: t.ms, value, change: round(value - before), count: 1 });
    }
  }
  return points;
}

/** A tick step of 1, 2, 2.5 or 5 times a power of ten, about span / 4. */
function niceStep(span) {
  const rough = span / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((step) => step >= rough) ?? 10 * power;
}

/** The first day of each month strictly between `start` and `end`, when there are a few. */
function monthStarts(start, end) {
  const out = [];
  const d = new Date(start);
  for (let m = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1); m < end;) {
    out.push(m);
    const next = new Date(m);
    m = Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1);
  }
  return out.length <= 12 ? out : [];
}

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

const day = (ms) => new Date(ms).toISOString().slice(0, 10);
const signed = (n) => `${n < 0 ? '−' : '+'}${amount(Math.abs(n))}`;

/**
 * The chart for one account, or a short note when it has no transactions.
 * `nowMs` (the tenant's fake clock) extends the last level to today.
 */
export function balanceChart(accountId, credits, unit, nowMs) {
  const points = balanceSeries(credits);
  if (points.length === 0) {
    return h('p', { class: 'empty', id: 'balance-chart-empty' }, 'No transactions yet, so no balance history to draw.');
  }
  const first = points[0];
  const last = points[points.length - 1];
  const txnCount = points.reduce((n, p) => n + p.count, 0);
  // Not Math.max(...values): an account with 100,000 credits has too many for a spread.
  const peak = points.reduce((m, p) => Math.max(m, p.value), -Infinity);
  const low = points.reduce((m, p) => Math.min(m, p.value), 0);

  // Time runs from a little before the first transaction (where the line
  // starts at 0) to now, or to the last transaction if the clock is behind it.
  let end = Math.max(last.ms, Number.isFinite(nowMs) ? nowMs : last.ms);
  if (end === first.ms) end = first.ms + HOUR_MS;
  const start = first.ms - (end - first.ms) * 0.04;
  const step = niceStep(Math.max(peak - low, 1));
  const top = Math.ceil(Math.max(peak, 1) / step) * step;
  const bottom = Math.floor(low / step) * step;

  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (ms) => (PAD.left + ((ms - start) / (end - start)) * plotW).toFixed(1);
  const y = (v) => (PAD.top + (1 - (v - bottom) / (top - bottom)) * plotH).toFixed(1);

  let line = `M${x(start)},${y(0)}`;
  for (const p of points) line += ` H${x(p.ms)} V${y(p.value)}`;
  line += ` H${x(end)}`;
  const area = `${line} V${y(0)} H${x(start)} Z`;

  const ticks = [];
  for (let v = bottom; v <= top + step / 2; v += step) ticks.push(round(v));

  const titleId = 'balance-chart-title';
  const descId = 'balance-chart-desc';
  const description =
    `${amount(txnCount)} transaction${txnCount === 1 ? '' : 's'} from ${time(new Date(first.ms).toISOString())} ` +
    `to ${time(new Date(last.ms).toISOString())}: the balance peaked at ${amount(peak)} ${unit} ` +
    `and is ${amount(last.value)} ${unit} now.`;

  return s(
    'svg',
    {
      id: 'balance-chart',
      class: 'chart',
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
      'data-points': points.length,
      'data-last-value': last.value,
    },
    s('title', { id: titleId }, `Balance of ${accountId} over time, in ${unit}`),
    s('desc', { id: descId }, description),
    s(
      'g',
      { class: 'chart-grid', 'aria-hidden': 'true' },
      ticks.map((v) =>
        s(
          'g',
          null,
          s('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v), class: v === 0 ? 'zero' : undefined }),
          s('text', { x: PAD.left - 6, y: y(v), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, amount(v)),
        ),
      ),
    ),
    s(
      'g',
      { class: 'chart-axis', 'aria-hidden': 'true' },
      s('text', { x: x(first.ms), y: HEIGHT - 8, 'text-anchor': 'start' }, day(first.ms)),
      // Month starts in between, where they do not crowd the two ends.
      monthStarts(first.ms, end)
        .filter((m) => Number(x(m)) - Number(x(first.ms)) > 90 && Number(x(end)) - Number(x(m)) > 90)
        .map((m) => [
          s('line', { class: 'tick', x1: x(m), x2: x(m), y1: HEIGHT - PAD.bottom, y2: HEIGHT - PAD.bottom + 4 }),
          s('text', { x: x(m), y: HEIGHT - 8, 'text-anchor': 'middle' }, day(m)),
        ]),
      day(end) !== day(first.ms)
        ? s('text', { x: WIDTH - PAD.right, y: HEIGHT - 8, 'text-anchor': 'end' }, day(end))
        : null,
    ),
    s('path', { class: 'chart-area', d: area, 'aria-hidden': 'true' }),
    s('path', { class: 'chart-line', d: line, 'aria-hidden': 'true' }),
    points.length <= MARKERS_UP_TO
      ? s(
          'g',
          { class: 'chart-points' },
          points.map((p) =>
            s(
              'circle',
              {
                cx: x(p.ms),
                cy: y(p.value),
                r: 3,
                'data-time': new Date(p.ms).toISOString(),
                'data-value': p.value,
              },
              s(
                'title',
                null,
                `${time(new Date(p.ms).toISOString())}: ${amount(p.value)} ${unit} (${signed(p.change)})`,
              ),
            ),
          ),
        )
      : null,
  );
}
