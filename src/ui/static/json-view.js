// Pretty-prints a JSON value as DOM (text nodes only) and can mark one field:
// the one a failed validation names, e.g. `creditRequests[1].priority`.

import { h } from './dom.js';

// Field paths as src/spec/messages.ts writes them at the start of a message.
const FIELD_AT_START =
  /^([A-Za-z_$][\w$-]*(?:\[\d+\]|\.[A-Za-z_$][\w$-]*)*)(?= (?:is required|is not an allowed field|must\b|is invalid|should\b))/;

/**
 * The field a 4xx message names, or undefined.
 * "creditRequests[0].priority must be integer" -> "creditRequests[0].priority"
 */
export function failedField(message) {
  if (typeof message !== 'string') return undefined;
  const m = FIELD_AT_START.exec(message);
  if (!m) return undefined;
  // "request body must be object" names the whole body, not a field.
  if (m[1] === 'request' || m[1] === 'query' || m[1] === 'path') return undefined;
  return m[1];
}

/** "a[1].b" -> ["a", 1, "b"] */
export function parsePath(path) {
  const out = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

/** The message with the field it names wrapped in <mark>. */
export function messageWithField(message) {
  const field = failedField(message);
  if (!field) return [message];
  return [h('mark', { class: 'failed-field' }, field), message.slice(field.length)];
}

const MAX_CHARS = 200_000;

/**
 * <pre> of `value`, indented two spaces; `highlight` is a field path
 * (string) whose value, or whose absence, is marked.
 */
export function jsonView(value, highlight) {
  const pre = h('pre', { class: 'json' });
  if (value === undefined) return h('pre', { class: 'json empty' }, '(no body)');
  let size;
  try {
    size = JSON.stringify(value).length;
  } catch {
    size = Infinity;
  }
  if (size > MAX_CHARS) {
    // Rendering a huge body node by node would freeze the page.
    return h('pre', { class: 'json' }, `${JSON.stringify(value).slice(0, MAX_CHARS)}\n… (truncated)`);
  }
  const target = highlight ? parsePath(highlight) : undefined;
  render(pre, value, 0, target);
  return pre;
}

function render(out, value, depth, target) {
  // target: remaining path below this value ([] means "this value")
  const marked = target !== undefined && target.length === 0;
  const into = marked ? out.appendChild(h('span', { class: 'hl' })) : out;
  if (Array.isArray(value)) {
    if (value.length === 0) return void into.append('[]');
    into.append('[\n');
    value.forEach((item, i) => {
      into.append(indent(depth + 1));
      render(into, item, depth + 1, sub(target, i));
      into.append(i < value.length - 1 ? ',\n' : '\n');
    });
    into.append(`${indent(depth)}]`);
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const missing = target !== undefined && target.length === 1 && !(target[0] in value) ? target[0] : undefined;
    if (keys.length === 0 && missing === undefined) return void into.append('{}');
    into.append('{\n');
    keys.forEach((key, i) => {
      const next = sub(target, key);
      into.append(indent(depth + 1));
      const line = next !== undefined && next.length === 0 ? into.appendChild(h('span', { class: 'hl' })) : into;
      line.append(h('span', { class: 'k' }, JSON.stringify(key)), ': ');
      render(line, value[key], depth + 1, next !== undefined && next.length === 0 ? undefined : next);
      into.append(i < keys.length - 1 || missing !== undefined ? ',\n' : '\n');
    });
    if (missing !== undefined) {
      into.append(
        indent(depth + 1),
        h('span', { class: 'hl missing' }, `${JSON.stringify(String(missing))}: (missing)`),
        '\n',
      );
    }
    into.append(`${indent(depth)}}`);
  } else {
    into.append(h('span', { class: `v v-${value === null ? 'null' : typeof value}` }, JSON.stringify(value)));
  }
}

function sub(target, key) {
  if (target === undefined || target.length === 0) return undefined;
  // eslint-disable-next-line eqeqeq -- "1" (object key) matches 1 (array index)
  return target[0] == key ? target.slice(1) : undefined;
}

const indent = (depth) => '  '.repeat(depth);
