// Request paths against the spec's path templates: the pattern that serves
// `/credits/{credit_id}`, and the `*` patterns that fault rules and journal
// filters use to name paths. Both the HTTP pipeline and the stores below it
// need these, so they live with the spec rather than in either.

/** `s` with every character that means something in a RegExp escaped. */
export const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `/credits/{credit_id}` as a pattern with Express's matching rules: a
 * parameter is one non-empty segment, letters match in any case, and a
 * trailing slash is allowed. The pattern matches the raw (still
 * percent-encoded) path, with one group per parameter, in `names` order.
 */
export function templatePattern(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  let source = '^';
  for (const part of template.split(/(\{[^}]+\})/)) {
    if (part.startsWith('{') && part.endsWith('}')) {
      names.push(part.slice(1, -1));
      source += '([^/]+)';
    } else source += escapeRegExp(part);
  }
  return { pattern: new RegExp(`${source}/?$`, 'i'), names };
}

/**
 * Whether `pattern` names the request path `path` (or its OpenAPI template
 * `template`): equal, or equal with `*` standing for any characters.
 */
export function pathMatches(pattern: string, path: string, template?: string): boolean {
  if (pattern === path || (template !== undefined && pattern === template)) return true;
  if (!pattern.includes('*')) return false;
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return re.test(path);
}
