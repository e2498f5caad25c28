/**
 * Spec facts: turns an OpenAPI 3.0 document into a flat map of "facts"
 * (key -> canonical JSON value) so two documents can be compared item by item,
 * and reads the deviation list of spec/DEVIATIONS.md.
 *
 * Used by upstream-drift.test.ts. The key format is documented at the top of
 * spec/DEVIATIONS.md; keep the two in step. Prose and generator hints are left
 * out on purpose (deviation D15); everything else that is not understood
 * explicitly is still recorded as a generic fact, so nothing structural is
 * silently ignored.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** key -> canonical JSON text of the value. */
export type Facts = ReadonlyMap<string, string>;

export interface FactDiff {
  readonly key: string;
  readonly upstream: string | undefined;
  readonly ours: string | undefined;
}

export interface Deviation {
  readonly id: string;
  readonly title: string;
  readonly reason: string;
  readonly affects: readonly string[];
}

/** Keywords that carry prose, examples or generator hints only (D15). */
const PROSE_KEYWORDS: ReadonlySet<string> = new Set([
  'description',
  'summary',
  'title',
  'example',
  'examples',
  'externalDocs',
  'xml',
]);

/** Schema keyword values that mean the same as leaving the keyword out. */
const SCHEMA_DEFAULTS: Readonly<Record<string, JsonValue>> = {
  nullable: false,
  readOnly: false,
  writeOnly: false,
  deprecated: false,
  uniqueItems: false,
  additionalProperties: true,
  minLength: 0,
  minItems: 0,
  minProperties: 0,
  exclusiveMinimum: false,
  exclusiveMaximum: false,
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function isIgnoredKeyword(keyword: string): boolean {
  return PROSE_KEYWORDS.has(keyword) || keyword.startsWith('x-');
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown, where: string): JsonObject {
  if (!isJsonObject(value)) throw new Error(`${where}: expected an object`);
  return value;
}

function asArray(value: unknown, where: string): JsonValue[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected an array`);
  return value as JsonValue[];
}

function asString(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where}: expected a string`);
  return value;
}

/** JSON text with object keys sorted, so equal values give equal text. */
export function canonical(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isJsonObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key] as JsonValue)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function decodePointerSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Where a fact lives: `anchor` alone, or `anchor#path/joined/by/slashes`. */
interface Place {
  readonly anchor: string;
  readonly path: readonly string[];
}

function place(anchor: string, ...path: string[]): Place {
  return { anchor, path };
}

function child(parent: Place, ...segments: string[]): Place {
  return { anchor: parent.anchor, path: [...parent.path, ...segments] };
}

function keyOf(where: Place): string {
  return where.path.length === 0 ? where.anchor : `${where.anchor}#${where.path.join('/')}`;
}

/** Security requirements as an order-independent value. */
function normalizeSecurity(value: unknown, where: string): JsonValue {
  const requirements = asArray(value, where).map((requirement) => {
    const scopesByScheme = asObject(requirement, where);
    const normalized: JsonObject = {};
    for (const scheme of Object.keys(scopesByScheme).sort()) {
      normalized[scheme] = asArray(scopesByScheme[scheme], where)
        .map((scope) => asString(scope, where))
        .sort();
    }
    return normalized;
  });
  return requirements.sort((a, b) => canonical(a).localeCompare(canonical(b)));
}

class FactCollector {
  private readonly facts = new Map<string, string>();
  /** Named object schemas met so far; each is described once under `schema:<Name>`. */
  private readonly namedSchemas = new Set<string>();

  constructor(private readonly root: JsonObject) {}

  collect(): Map<string, string> {
    for (const [keyword, value] of Object.entries(this.root)) {
      switch (keyword) {
        case 'info':
          this.leaves(place('info'), asObject(value, 'info'));
          break;
        case 'servers':
          this.servers(value);
          break;
        case 'security':
          this.add(place('security'), normalizeSecurity(value, 'security'));
          break;
        case 'paths':
          this.paths(asObject(value, 'paths'));
          break;
        case 'components':
          // Reached through $refs; only security schemes stand on their own.
          this.securitySchemes(asObject(value, 'components').securitySchemes);
          break;
        case 'tags':
          // The top-level tag list only adds tag descriptions (D15); the tags
          // of each operation are compared.
          break;
        default:
          if (!isIgnoredKeyword(keyword)) this.add(place(keyword), value);
      }
    }
    const described = new Set<string>();
    for (let name = this.nextSchema(described); name !== undefined; name = this.nextSchema(described)) {
      described.add(name);
      const where = place(`schema:${name}`);
      this.add(where, true);
      this.schemaObject(where, asObject(this.resolve(`#/components/schemas/${name}`), name), []);
    }
    return this.facts;
  }

  private nextSchema(described: ReadonlySet<string>): string | undefined {
    return [...this.namedSchemas].find((name) => !described.has(name));
  }

  private add(where: Place, value: JsonValue): void {
    this.facts.set(keyOf(where), canonical(value));
  }

  /** Records every non-prose leaf of a plain object (info, flows, variables...). */
  private leaves(where: Place, value: JsonValue): void {
    if (!isJsonObject(value)) {
      this.add(where, value);
      return;
    }
    for (const [key, inner] of Object.entries(value)) {
      if (!isIgnoredKeyword(key) || (where.anchor === 'info' && key === 'title')) {
        this.leaves(child(where, key), inner);
      }
    }
  }

  private servers(value: unknown): void {
    for (const server of asArray(value, 'servers')) {
      const { url, ...rest } = asObject(server, 'servers[]');
      const where = place(`server:${asString(url, 'servers[].url')}`);
      this.add(where, true);
      this.leaves(where, rest);
    }
  }

  private securitySchemes(value: JsonValue | undefined): void {
    if (value === undefined) return;
    for (const [name, scheme] of Object.entries(asObject(value, 'securitySchemes'))) {
      const where = place(`securityScheme:${name}`);
      this.add(where, true);
      this.leaves(where, this.deref(scheme));
    }
  }

  private paths(paths: JsonObject): void {
    for (const [path, rawItem] of Object.entries(paths)) {
      this.add(place(`path:${path}`), true);
      const item = this.deref(rawItem);
      const shared = item.parameters === undefined ? [] : asArray(item.parameters, `${path} parameters`);
      for (const [keyword, value] of Object.entries(item)) {
        if ((HTTP_METHODS as readonly string[]).includes(keyword)) {
          this.operation(`${keyword.toUpperCase()} ${path}`, asObject(value, `${keyword} ${path}`), shared);
        } else if (keyword !== 'parameters' && !isIgnoredKeyword(keyword)) {
          this.leaves(place(`path:${path}`, keyword), value);
        }
      }
    }
  }

  private operation(name: string, operation: JsonObject, sharedParameters: JsonValue[]): void {
    const where = place(`operation:${name}`);
    this.add(where, true);
    for (const [keyword, value] of Object.entries(operation)) {
      switch (keyword) {
        case 'parameters':
        case 'responses':
        case 'requestBody':
          break; // below
        case 'tags':
          this.add(
            child(where, 'tags'),
            asArray(value, `${name} tags`)
              .map((tag) => asString(tag, 'tag'))
              .sort(),
          );
          break;
        case 'security':
          this.add(child(where, 'security'), normalizeSecurity(value, `${name} security`));
          break;
        case 'deprecated':
          if (value !== false) this.add(child(where, keyword), value);
          break;
        default:
          if (!isIgnoredKeyword(keyword)) this.leaves(child(where, keyword), value);
      }
    }
    this.parameters(name, sharedParameters, operation.parameters);
    if (operation.requestBody !== undefined) this.requestBody(name, this.deref(operation.requestBody));
    for (const [status, response] of Object.entries(asObject(operation.responses ?? {}, `${name} responses`))) {
      this.response(place(`response:${name}`, status), this.deref(response));
    }
  }

  /** Path-level parameters first; an operation parameter with the same name and `in` replaces one. */
  private parameters(operation: string, shared: JsonValue[], own: JsonValue | undefined): void {
    const byKey = new Map<string, JsonObject>();
    for (const raw of [...shared, ...(own === undefined ? [] : asArray(own, `${operation} parameters`))]) {
      const parameter = this.deref(raw);
      const name = asString(parameter.name, `${operation} parameter name`);
      const location = asString(parameter.in, `${operation} parameter in`);
      byKey.set(`${location}:${name}`, parameter);
    }
    for (const [key, parameter] of byKey) this.parameter(place(`param:${operation}`, key), parameter);
  }

  private parameter(where: Place, parameter: JsonObject): void {
    this.add(where, true);
    const location = parameter.in;
    const style = parameter.style ?? (location === 'query' || location === 'cookie' ? 'form' : 'simple');
    // Effective values, so spelling out a default is not a difference (D15).
    this.add(child(where, 'required'), parameter.required ?? false);
    this.add(child(where, 'style'), style);
    this.add(child(where, 'explode'), parameter.explode ?? style === 'form');
    for (const [keyword, value] of Object.entries(parameter)) {
      if (['name', 'in', 'required', 'style', 'explode'].includes(keyword) || isIgnoredKeyword(keyword)) continue;
      if (keyword === 'schema') this.schema(child(where, 'schema'), value, []);
      else if (keyword === 'content') this.content(child(where, 'content'), value);
      else if (value !== false) this.leaves(child(where, keyword), value);
    }
  }

  private requestBody(operation: string, body: JsonObject): void {
    const where = place(`body:${operation}`);
    this.add(where, true);
    this.add(child(where, 'required'), body.required ?? false);
    for (const [keyword, value] of Object.entries(body)) {
      if (keyword === 'content') this.content(child(where, 'content'), value);
      else if (keyword !== 'required' && !isIgnoredKeyword(keyword)) this.leaves(child(where, keyword), value);
    }
  }

  private response(where: Place, response: JsonObject): void {
    this.add(where, true);
    for (const [keyword, value] of Object.entries(response)) {
      if (keyword === 'content') {
        this.content(child(where, 'content'), value);
      } else if (keyword === 'headers') {
        for (const [name, header] of Object.entries(asObject(value, 'headers'))) {
          this.parameter(child(where, 'headers', name), { ...this.deref(header), in: 'header' });
        }
      } else if (!isIgnoredKeyword(keyword)) {
        this.leaves(child(where, keyword), value);
      }
    }
  }

  private content(where: Place, value: JsonValue): void {
    for (const [mediaType, rawMedia] of Object.entries(asObject(value, keyOf(where)))) {
      const mediaWhere = child(where, mediaType);
      this.add(mediaWhere, true);
      for (const [keyword, inner] of Object.entries(asObject(rawMedia, keyOf(mediaWhere)))) {
        if (keyword === 'schema') this.schema(child(mediaWhere, 'schema'), inner, []);
        else if (!isIgnoredKeyword(keyword)) this.leaves(child(mediaWhere, keyword), inner);
      }
    }
  }

  /**
   * A schema in place. A $ref to a whole named object schema is recorded by
   * name (named models become classes in generated clients) and the schema is
   * described once under `schema:<Name>`; any other $ref (a scalar component
   * such as an enum, or a JSON pointer into another schema's properties) is
   * resolved and described in place.
   */
  private schema(where: Place, node: JsonValue | undefined, refChain: readonly string[]): void {
    if (node === undefined) return;
    const schema = asObject(node, keyOf(where));
    const ref = schema.$ref;
    if (typeof ref === 'string') {
      const name = this.namedObjectSchema(ref);
      if (name !== undefined) {
        this.add(child(where, '$ref'), name);
        this.namedSchemas.add(name);
        return;
      }
      if (refChain.includes(ref)) throw new Error(`${keyOf(where)}: $ref cycle through ${ref}`);
      this.schema(where, this.resolve(ref), [...refChain, ref]);
      return;
    }
    this.schemaObject(where, schema, refChain);
  }

  private schemaObject(where: Place, schema: JsonObject, refChain: readonly string[]): void {
    let flat = schema;
    if (schema.allOf !== undefined) {
      // How the schema is composed is itself a fact (D1); its merged content is
      // then compared like any flat schema.
      const parts = asArray(schema.allOf, keyOf(where)).map((part) =>
        isJsonObject(part) && typeof part.$ref === 'string' ? part.$ref : 'inline',
      );
      this.add(child(where, 'allOf'), parts);
      flat = this.flattenAllOf(schema, keyOf(where));
    }
    for (const [keyword, value] of Object.entries(flat)) {
      if (isIgnoredKeyword(keyword)) continue;
      const fallback = SCHEMA_DEFAULTS[keyword];
      if (fallback !== undefined && canonical(value) === canonical(fallback)) continue;
      switch (keyword) {
        case 'properties':
          for (const [name, property] of Object.entries(asObject(value, keyOf(where)))) {
            const propertyWhere = child(where, 'properties', name);
            this.add(propertyWhere, true);
            this.schema(propertyWhere, property, refChain);
          }
          break;
        case 'required':
          for (const name of asArray(value, keyOf(where)))
            this.add(child(where, 'required', asString(name, 'required')), true);
          break;
        case 'enum':
          for (const option of asArray(value, keyOf(where))) {
            this.add(child(where, 'enum', typeof option === 'string' ? option : canonical(option)), true);
          }
          break;
        case 'items':
        case 'not':
          this.schema(child(where, keyword), value, refChain);
          break;
        case 'additionalProperties':
          if (typeof value === 'boolean') this.add(child(where, keyword), value);
          else this.schema(child(where, keyword), value, refChain);
          break;
        case 'oneOf':
        case 'anyOf':
          asArray(value, keyOf(where)).forEach((option, index) =>
            this.schema(child(where, keyword, String(index)), option, refChain),
          );
          break;
        default:
          this.add(child(where, keyword), value);
      }
    }
  }

  /** One object schema holding what all parts of an allOf hold. */
  private flattenAllOf(schema: JsonObject, where: string): JsonObject {
    const { allOf, ...own } = schema;
    const merged: JsonObject = { ...own };
    for (const rawPart of asArray(allOf, where)) {
      let part = this.derefSchema(rawPart, where);
      if (part.allOf !== undefined) part = this.flattenAllOf(part, where);
      for (const [keyword, value] of Object.entries(part)) {
        const current = merged[keyword];
        if (current === undefined) {
          merged[keyword] = value;
        } else if (keyword === 'properties') {
          merged[keyword] = { ...asObject(current, where), ...asObject(value, where) };
        } else if (keyword === 'required') {
          merged[keyword] = [...new Set([...asArray(current, where), ...asArray(value, where)].map(String))];
        } else if (keyword === 'additionalProperties' && (current === false || value === false)) {
          // Each part closed itself; the intended object is the closed union.
          merged[keyword] = false;
        } else if (!isIgnoredKeyword(keyword) && canonical(current) !== canonical(value)) {
          throw new Error(`${where}: allOf parts disagree on ${keyword}`);
        }
      }
    }
    return merged;
  }

  private namedObjectSchema(ref: string): string | undefined {
    const match = /^#\/components\/schemas\/([^/]+)$/.exec(ref);
    if (match?.[1] === undefined) return undefined;
    const target = this.resolve(ref);
    const isObject =
      isJsonObject(target) &&
      (target.type === 'object' || target.properties !== undefined || target.allOf !== undefined);
    return isObject ? decodePointerSegment(match[1]) : undefined;
  }

  private resolve(ref: string): JsonValue {
    if (!ref.startsWith('#/')) throw new Error(`Only local $refs are supported: ${ref}`);
    let node: JsonValue = this.root;
    for (const segment of ref.slice(2).split('/').map(decodePointerSegment)) {
      const next: JsonValue | undefined = Array.isArray(node)
        ? node[Number(segment)]
        : isJsonObject(node)
          ? node[segment]
          : undefined;
      if (next === undefined) throw new Error(`Unresolvable $ref ${ref}`);
      node = next;
    }
    return node;
  }

  /** Follows $refs until a plain object (parameters, bodies, responses...). */
  private deref(node: JsonValue | undefined): JsonObject {
    let current = asObject(node, 'referenced object');
    const seen: string[] = [];
    while (typeof current.$ref === 'string') {
      if (seen.includes(current.$ref)) throw new Error(`$ref cycle through ${current.$ref}`);
      seen.push(current.$ref);
      current = asObject(this.resolve(current.$ref), current.$ref);
    }
    return current;
  }

  private derefSchema(node: JsonValue, where: string): JsonObject {
    return this.deref(asObject(node, where));
  }
}

/** Every structural fact of an OpenAPI 3.0 document, by key. */
export function collectFacts(document: unknown): Facts {
  return new FactCollector(asObject(document, 'OpenAPI document')).collect();
}

/** Keys whose value differs or that exist on one side only, sorted by key. */
export function diffFacts(upstream: Facts, ours: Facts): FactDiff[] {
  const keys = [...new Set([...upstream.keys(), ...ours.keys()])].sort();
  return keys
    .map((key) => ({ key, upstream: upstream.get(key), ours: ours.get(key) }))
    .filter((diff) => diff.upstream !== diff.ours);
}

export function formatDiff(diff: FactDiff): string {
  return `${diff.key}  (upstream: ${diff.upstream ?? 'absent'}; ours: ${diff.ours ?? 'absent'})`;
}

const DEVIATION_HEADING = /^## (D\d+): (.+)$/;

/**
 * Deviations of spec/DEVIATIONS.md: each `## D<n>: <title>` section with its
 * `**Reason:**` paragraph and its fenced `affects` block (one key a line).
 */
export function parseDeviations(markdown: string): Deviation[] {
  const deviations: Deviation[] = [];
  const lines = markdown.split(/\r?\n/);
  for (let start = 0; start < lines.length; start++) {
    const heading = DEVIATION_HEADING.exec(lines[start] ?? '');
    if (heading?.[1] === undefined || heading[2] === undefined) continue;
    let end = start + 1;
    while (end < lines.length && !(lines[end] ?? '').startsWith('## ')) end++;
    const section = lines.slice(start + 1, end);
    const id = heading[1];

    const reasonLine = section.find((line) => line.startsWith('**Reason:**'));
    const reason = reasonLine?.slice('**Reason:**'.length).trim() ?? '';

    const opening = section.indexOf('```affects');
    if (opening === -1) throw new Error(`${id}: no \`\`\`affects block`);
    if (section.indexOf('```affects', opening + 1) !== -1) throw new Error(`${id}: more than one affects block`);
    const closing = section.indexOf('```', opening + 1);
    if (closing === -1) throw new Error(`${id}: affects block is not closed`);
    const affects = section
      .slice(opening + 1, closing)
      .map((line) => line.trim())
      .filter((line) => line !== '');

    deviations.push({ id, title: heading[2].trim(), reason, affects });
  }
  return deviations;
}

/** Ids listed in the index table (`| D<n> | ... |` rows). */
export function indexedDeviationIds(markdown: string): string[] {
  return markdown
    .split(/\r?\n/)
    .map((line) => /^\| (D\d+) \|/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
}
