// Builds DOM nodes without innerHTML: every piece of data becomes a text node
// or an attribute value, so nothing the mock returns can inject markup.

/**
 * h('tr', { class: 'x', onclick: fn, dataset: { id } }, 'text', child, [more])
 * Strings and numbers become text nodes; null, undefined and false are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.append(child);
    else el.append(document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const amountFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });

/** 1234.5 -> "1,234.5"; missing -> "—". */
export function amount(n) {
  return typeof n === 'number' && Number.isFinite(n) ? amountFormat.format(n) : '—';
}

/** "2024-06-01T12:00:00.000Z" -> "2024-06-01 12:00:00Z" (UTC, like the API). */
export function time(iso) {
  if (typeof iso !== 'string' || iso === '') return '—';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** A <time> element showing time(iso) with the exact value on hover. */
export function timeEl(iso) {
  return h('time', { datetime: iso, title: iso }, time(iso));
}

/** A status pill: ACTIVE, EXPIRED, 200, 404 ... */
export function pill(text, kind) {
  return h('span', { class: `pill pill-${kind ?? String(text).toLowerCase()}` }, String(text));
}

export function httpStatusKind(status) {
  if (status >= 500) return 'http5';
  if (status >= 400) return 'http4';
  if (status >= 300) return 'http3';
  return 'http2';
}

/** Prev/next paging: "51–100 of 1,000". */
export function pager(offset, size, total, shown, go) {
  if (total <= size && offset === 0) return h('p', { class: 'pager' }, `${amount(total)} in total`);
  return h(
    'div',
    { class: 'pager' },
    h(
      'button',
      { type: 'button', disabled: offset === 0, onclick: () => go(Math.max(0, offset - size)) },
      '← Previous',
    ),
    h(
      'span',
      null,
      shown === 0 ? `— of ${amount(total)}` : `${amount(offset + 1)}–${amount(offset + shown)} of ${amount(total)}`,
    ),
    h('button', { type: 'button', disabled: offset + shown >= total, onclick: () => go(offset + size) }, 'Next →'),
  );
}
