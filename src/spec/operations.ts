// Compiles an OpenAPI document into the list of operations the HTTP layer
// mounts: route, operationId, and ajv validators for path parameters, query
// parameters, the JSON body and every documented response. No schema is
// restated in code.
//
// The operation list is built at start-up (so a malformed document fails
// the start), but each ajv validator is compiled the first time it is
// called: compiling all of them for both specs was the largest part of the
// start-up time, and most runs use a handful of operations.
// test/spec/operations.test.ts compiles every one of them, so a schema ajv
// refuses still fails the suite rather than a request.
//
// The request validators (path, query, body) can also come ready-made: the
// build generates them as ajv standalone code (build.ts; loaded by
// precompiled.ts), which spares a start loading ajv and its compiler; ajv
// is loaded only when something has to be compiled here.

import { createRequire } from 'node:module';
import type AjvModule from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type AjvFormatsModule from 'ajv-formats';
import type { OpenAPIV3 } from 'openapi-types';
import { MockError } from '../domain/errors.js';
import { HTTP_METHODS, deref, type HttpMethod } from './load.js';
import { describeError } from './messages.js';

type Ajv = InstanceType<typeof AjvModule.default>;
const require = createRequire(import.meta.url);

export interface CompiledOperation {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI path template, e.g. /credits/{credit_id}. */
  path: string;
  /** True when the operation declares a security requirement. */
  secured: boolean;
  body: { required: boolean; validate: ValidateFunction } | undefined;
  /** Validates (and coerces, e.g. pageSize "10" -> 10) the query object. */
  queryParams: ValidateFunction | undefined;
  /** Validates the path parameters. */
  pathParams: ValidateFunction | undefined;
  /** Response validators by status code ("200", "default", ...). */
  responses: Map<string, ValidateFunction>;
}

/** Annotation keywords of OpenAPI 3.0 schemas that ajv does not know (it knows nullable, deprecated). */
const OPENAPI_KEYWORDS = ['example', 'xml', 'externalDocs'];

/**
 * The ajv instance validators of one kind (coercing for parameters, strict
 * for bodies) are compiled in; build.ts generates its code with the same.
 * `source` keeps the generated code (for ajv's standalone output).
 */
export function makeAjv(coerce: boolean, validateSchema: boolean, source = false): Ajv {
  // CommonJS, loaded on first use; their default export is the module object.
  const Ajv = (require('ajv') as typeof AjvModule).default;
  const addFormats = (require('ajv-formats') as typeof AjvFormatsModule).default;
  const ajv = new Ajv({
    strict: true,
    allErrors: false,
    coerceTypes: coerce,
    strictRequired: false,
    validateSchema,
    ...(source ? { code: { source: true } } : {}),
  });
  addFormats(ajv);
  for (const k of OPENAPI_KEYWORDS) ajv.addKeyword(k);
  // The document's components are a namespace of schemas, not a schema.
  ajv.addKeyword('components');
  return ajv;
}

/** Rewrites local refs so a schema copied out of the document still resolves inside it. */
function rebase(schema: unknown, id: string): unknown {
  if (Array.isArray(schema)) return schema.map((s) => rebase(s, id));
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${id}${v}` : rebase(v, id);
  }
  return out;
}

/**
 * ajv coerces the strings "Infinity" and "1e999" to Infinity and then skips
 * its number checks (they are guarded by isFinite), so `pageSize=Infinity`
 * would pass `maximum: 50`. A parameter that ends up a non-finite number is
 * refused here.
 */
function finiteAfterCoercion(validate: ValidateFunction): ValidateFunction {
  const wrapped = ((data: unknown): boolean => {
    if (!validate(data)) {
      wrapped.errors = validate.errors;
      return false;
    }
    for (const [name, value] of Object.entries(data as Record<string, unknown>)) {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        wrapped.errors = [
          {
            instancePath: `/${name}`,
            schemaPath: '#',
            keyword: 'type',
            params: { type: 'a finite number' },
            message: 'must be finite',
          },
        ];
        return false;
      }
    }
    wrapped.errors = null;
    return true;
  }) as ValidateFunction;
  return wrapped;
}

/** What a strict server takes for an integer parameter: an optional minus and decimal digits. */
const INTEGER_TEXT = /^-?\d+$/;

/**
 * ajv's coercion takes any string JavaScript's Number() reads as an integer,
 * so `0x10`, `1e1`, ` 10`, `+10` and `10.0` would all pass as integers. A
 * strict server refuses them; so does this, before ajv coerces anything.
 * Wraps the precompiled and the run-time validators alike, so both agree.
 */
function strictIntegers(names: string[], validate: ValidateFunction): ValidateFunction {
  if (names.length === 0) return validate;
  const wrapped = ((data: unknown): boolean => {
    for (const name of names) {
      const value = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[name] : undefined;
      if (typeof value === 'string' && !INTEGER_TEXT.test(value)) {
        wrapped.errors = [
          {
            instancePath: `/${name}`,
            schemaPath: '#',
            keyword: 'type',
            params: { type: 'integer' },
            message: 'must be integer',
          },
        ];
        return false;
      }
    }
    const ok = validate(data);
    wrapped.errors = validate.errors;
    return ok;
  }) as ValidateFunction;
  return wrapped;
}

/**
 * A validator compiled on its first call; it then behaves as the compiled
 * one (same result, same `errors`), so callers cannot tell the difference.
 */
function compiledOnFirstUse(compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | undefined;
  const validate = ((data: unknown): boolean => {
    compiled ??= compile();
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  }) as ValidateFunction;
  validate.errors = null;
  return validate;
}

/**
 * Response validators by status, compiled on first use: only the response
 * self-check and check-pacts need them, and compiling every operation's
 * responses at start-up was a third of the time to the first request.
 */
class LazyValidators extends Map<string, ValidateFunction> {
  constructor(
    private readonly schemas: Map<string, object>,
    private readonly compile: (schema: object) => ValidateFunction,
  ) {
    super();
  }

  override get(status: string): ValidateFunction | undefined {
    let validate = super.get(status);
    if (validate === undefined) {
      const schema = this.schemas.get(status);
      if (schema === undefined) return undefined;
      validate = this.compile(schema);
      super.set(status, validate);
    }
    return validate;
  }

  override has(status: string): boolean {
    return this.schemas.has(status);
  }

  override keys(): MapIterator<string> {
    return this.schemas.keys();
  }

  override get size(): number {
    return this.schemas.size;
  }
}

/** A request validator's schema, by name `<operationId>.<path|query|body>`. */
export interface RequestSchema {
  /** Parameters are coerced from strings ("10" -> 10); bodies are not. */
  coerce: boolean;
  schema: object;
}

export interface SpecValidators {
  operations: CompiledOperation[];
  /** Validates a value against a named component schema (e.g. a state file against Snapshot). */
  schema(name: string): ValidateFunction;
  /** The schemas of the request validators, for generating them ahead of time (build.ts). */
  requestSchemas: ReadonlyMap<string, RequestSchema>;
}

/** The name a component schema's generated validator is exported under (never an operationId's). */
export const componentExport = (name: string): string => `#/components/schemas/${name}`;

/** The generated modules: request validators of parameters (coercing) and bodies (strict), and component schemas. */
export type PrecompiledKind = 'coercing' | 'strict' | 'components';

/**
 * Validators generated ahead of time: the request validators by the names of
 * `requestSchemas`, and every component schema by `componentExport`;
 * undefined when there are none.
 */
export interface PrecompiledValidators {
  get(kind: PrecompiledKind): Record<string, ValidateFunction> | undefined;
}

export interface CompileOptions {
  /**
   * Also check every schema against JSON Schema's meta-schema when it is
   * compiled. Off by default: ajv's strict mode still refuses unknown
   * keywords, and the meta-schema check of a spec's components (ajv
   * compiles the meta-schema for it in every instance) cost ~90 ms of each
   * start for documents that do not change; test/spec/operations.test.ts
   * turns it on for both specs.
   */
  checkSchemas?: boolean;
  /** Ready-made request validators (when fresh); anything missing is compiled here. */
  precompiled?: PrecompiledValidators;
}

export function compileOperations(doc: OpenAPIV3.Document, id: string, options: CompileOptions = {}): SpecValidators {
  const checkSchemas = options.checkSchemas ?? false;
  const components = { $id: id, components: doc.components ?? {} };
  // The two ajv instances are made when the first validator needs one.
  let strict: Ajv | undefined;
  let coercing: Ajv | undefined;
  const strictAjv = (): Ajv => {
    if (!strict) {
      strict = makeAjv(false, checkSchemas);
      strict.addSchema(components);
    }
    return strict;
  };
  const coercingAjv = (): Ajv => {
    if (!coercing) {
      coercing = makeAjv(true, checkSchemas);
      coercing.addSchema(components);
    }
    return coercing;
  };
  const requestSchemas = new Map<string, RequestSchema>();
  /** A request validator: the precompiled one if there is one, else compiled here; either way on first use. */
  const requestValidator = (name: string, coerce: boolean, schema: object): ValidateFunction => {
    requestSchemas.set(name, { coerce, schema });
    return compiledOnFirstUse(
      () =>
        options.precompiled?.get(coerce ? 'coercing' : 'strict')?.[name] ??
        (coerce ? coercingAjv() : strictAjv()).compile(schema),
    );
  };

  const operations: CompiledOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!item) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      if (!op.operationId) throw new Error(`${method.toUpperCase()} ${path} has no operationId`);
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) =>
        deref<OpenAPIV3.ParameterObject>(doc, p),
      );
      const group = (where: string): ValidateFunction | undefined => {
        const ps = params.filter((p) => p.in === where);
        if (ps.length === 0) return undefined;
        const schema = {
          type: 'object',
          properties: Object.fromEntries(ps.map((p) => [p.name, rebase(p.schema ?? {}, id)])),
          required: ps.filter((p) => p.required).map((p) => p.name),
        };
        const integers = ps.filter(
          (p) => p.schema !== undefined && deref<OpenAPIV3.SchemaObject>(doc, p.schema).type === 'integer',
        );
        return strictIntegers(
          integers.map((p) => p.name),
          finiteAfterCoercion(requestValidator(`${op.operationId}.${where}`, true, schema)),
        );
      };
      let body: CompiledOperation['body'];
      if (op.requestBody) {
        const rb = deref<OpenAPIV3.RequestBodyObject>(doc, op.requestBody);
        const schema = rb.content['application/json']?.schema;
        if (!schema) throw new Error(`${op.operationId}: only application/json request bodies are supported`);
        const bodySchema = rebase(schema, id) as object;
        body = {
          required: rb.required === true,
          validate: requestValidator(`${op.operationId}.body`, false, bodySchema),
        };
      }
      const responseSchemas = new Map<string, object>();
      for (const [status, r] of Object.entries(op.responses ?? {})) {
        const schema = deref<OpenAPIV3.ResponseObject>(doc, r).content?.['application/json']?.schema;
        if (schema) responseSchemas.set(status, rebase(schema, id) as object);
      }
      const responses = new LazyValidators(responseSchemas, (schema) => strictAjv().compile(schema));
      const security = op.security ?? doc.security ?? [];
      operations.push({
        operationId: op.operationId,
        method,
        path,
        secured: security.length > 0,
        body,
        queryParams: group('query'),
        pathParams: group('path'),
        responses,
      });
    }
  }
  const named = new Map<string, ValidateFunction>();
  return {
    operations,
    requestSchemas,
    schema(name) {
      let v = named.get(name);
      if (!v) {
        v =
          options.precompiled?.get('components')?.[componentExport(name)] ??
          strictAjv().compile({ $ref: `${id}#/components/schemas/${name}` });
        named.set(name, v);
      }
      return v;
    },
  };
}

/**
 * The operationId among `operations` that `typed` names, whatever its case,
 * or undefined. Where a user types an operationId (journal filters, fault
 * rules) its case does not matter: Togai spells four in camelCase and one
 * (CreditBalanceForAccount) in PascalCase, and nobody should have to remember which.
 */
export function operationIdNamed(
  operations: readonly Pick<CompiledOperation, 'operationId'>[],
  typed: string,
): string | undefined {
  const wanted = typed.toLowerCase();
  return operations.find((op) => op.operationId.toLowerCase() === wanted)?.operationId;
}

/** Throws a 400 naming the first schema violation, if there is one. */
export function check(validate: ValidateFunction, data: unknown, root: string, prefix = ''): void {
  if (validate(data)) return;
  const first = (validate.errors ?? [])[0] as ErrorObject | undefined;
  throw new MockError('invalid', first ? describeError(first, root, prefix) : `${root} is invalid`);
}
