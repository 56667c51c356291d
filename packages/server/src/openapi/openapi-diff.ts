/**
 * Breaking changes between two OpenAPI 3.1 documents: the gate that keeps the published contract
 * (`docs/openapi.json`) from being broken by accident (`npm run openapi:check`).
 *
 * A change is breaking when a client written against `before` can fail against `after`:
 *
 * - `operation-removed`: a path + method is gone (renaming a path parameter changes the path template, so it
 *   counts as a removal too: generated clients change).
 * - `response-removed`: a 2xx response, or its `application/json` body, is gone: clients expecting it get
 *   another status or no body.
 * - `response-property-removed` / `response-property-renamed`: a property of a 2xx JSON response body is
 *   gone (renamed when exactly one property disappeared and exactly one of the same type appeared in the same
 *   object): clients reading it get `undefined`. Searched recursively through objects, arrays, records,
 *   `allOf`, `anyOf` and `oneOf`.
 * - `response-property-optional`: a response property that was always present (`required`) may now be
 *   missing; to a client that reads it, the same as a removal.
 * - `request-body-required`: an operation that took no body now requires one.
 * - `request-content-type-removed`: a request media type (say `application/json`) is no longer accepted.
 * - `request-property-added-required` / `request-property-became-required`: a request body (at any depth)
 *   has a new required property, or an optional one became required: existing requests lack it.
 * - `request-property-removed`: a request property is gone from an object that rejects unknown properties
 *   (`additionalProperties: false`): existing requests that send it are refused.
 * - `parameter-added-required` / `parameter-became-required`: a required path/query/header parameter is
 *   new, or an optional one became required.
 * - `type-changed`: in a response, a value may now have a JSON type it could not have before (a client does
 *   not expect it: `string` → `integer`, or a field becoming nullable); in a request or parameter, a type
 *   that was accepted is no longer (`integer` → `string`, or `null` no longer allowed). `integer` counts as
 *   a kind of `number`. A schema without a type accepts anything.
 * - `enum-narrowed`: an `enum` (or `const`) lost a value, in a request or a response. In a request, values
 *   clients send are refused; in a response, clients built around the documented set (filters, pickers,
 *   values read then sent back) lose one. A *new* enum value is an addition and passes: clients must
 *   tolerate values they do not know, as they must tolerate new properties.
 *
 * Everything else passes: new operations, new optional request properties and parameters, new response
 * properties, new responses, widened enums and types in requests, narrowed types in responses, and
 * descriptions, examples, formats, patterns and bounds (not compared: the contract's validation is the
 * server's business, and a lint-level check would drown the real breaks).
 *
 * `$ref`s to `#/components/...` are resolved on both sides (siblings of a `$ref`, allowed in 3.1, override
 * the target's keywords), so moving a schema into a component, or out of one, is not a change.
 */

type Json = Record<string, unknown>;
type Doc = Json;

export type BreakKind =
  | 'operation-removed'
  | 'response-removed'
  | 'response-property-removed'
  | 'response-property-renamed'
  | 'response-property-optional'
  | 'request-body-required'
  | 'request-content-type-removed'
  | 'request-property-added-required'
  | 'request-property-became-required'
  | 'request-property-removed'
  | 'parameter-added-required'
  | 'parameter-became-required'
  | 'type-changed'
  | 'enum-narrowed';

export interface Break {
  kind: BreakKind;
  /** The operation and the place in it, e.g. `GET /api/v1/tasks › 200 response › data.items[].title`. */
  where: string;
  detail: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const PARAMETER_PLACES = new Set(['path', 'query', 'header']);

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** Follows `#/...` references (with a guard against cycles); siblings of `$ref` override the target's keys. */
const resolve = (doc: Doc, node: unknown, seen = new Set<string>()): Json => {
  if (!isObject(node)) return typeof node === 'boolean' && !node ? { not: {} } : {};
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/') || seen.has(ref)) return node;
  seen.add(ref);
  let target: unknown = doc;
  for (const part of ref.slice(2).split('/'))
    target = isObject(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  const { $ref: _, ...siblings } = node;
  return { ...resolve(doc, target, seen), ...siblings };
};

/** The JSON type of a value, as JSON Schema names it. */
const jsonType = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : typeof v === 'number'
        ? Number.isInteger(v)
          ? 'integer'
          : 'number'
        : typeof v;

/** The JSON types a schema allows; `undefined` when it says nothing (anything goes). */
const typesOf = (doc: Doc, node: unknown, depth = 0): Set<string> | undefined => {
  const s = resolve(doc, node);
  if (depth > 32) return undefined;
  if (typeof s.type === 'string') return new Set([s.type]);
  if (Array.isArray(s.type)) return new Set(s.type as string[]);
  if ('const' in s) return new Set([jsonType(s.const)]);
  if (Array.isArray(s.enum)) return new Set(s.enum.map(jsonType));
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (!Array.isArray(s[key])) continue;
    const union = new Set<string>();
    for (const variant of s[key] as unknown[]) {
      const types = typesOf(doc, variant, depth + 1);
      if (!types) return undefined;
      for (const t of types) union.add(t);
    }
    return union;
  }
  if (Array.isArray(s.allOf)) {
    let meet: Set<string> | undefined;
    for (const member of s.allOf as unknown[]) {
      const types = typesOf(doc, member, depth + 1);
      if (types) meet = meet ? new Set([...meet].filter((t) => covers(types, t))) : types;
    }
    return meet;
  }
  return undefined;
};

/** Whether a value of type `t` is allowed by `types` (an integer is a number). */
const covers = (types: Set<string>, t: string) => types.has(t) || (t === 'integer' && types.has('number'));
/** The types of `inner` that `outer` does not allow ("anything" when `inner` says nothing and `outer` does). */
const notCovered = (outer: Set<string> | undefined, inner: Set<string> | undefined): string[] | undefined => {
  if (!outer) return [];
  if (!inner) return ['any'];
  return [...inner].filter((t) => !covers(outer, t));
};
const typeText = (types: Set<string> | undefined) => (types ? [...types].sort().join(' | ') : 'any');

/** The values an `enum`/`const` schema (or a union of them) allows; `undefined` when not an enumeration. */
const valuesOf = (doc: Doc, node: unknown, depth = 0): unknown[] | undefined => {
  const s = resolve(doc, node);
  if (depth > 32) return undefined;
  if ('const' in s) return [s.const];
  if (Array.isArray(s.enum)) return s.enum as unknown[];
  if (s.type === 'null') return [null];
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (!Array.isArray(s[key])) continue;
    const all: unknown[] = [];
    for (const variant of s[key] as unknown[]) {
      const values = valuesOf(doc, variant, depth + 1);
      if (!values) return undefined;
      all.push(...values);
    }
    return all;
  }
  return undefined;
};

interface ObjectView {
  properties: Map<string, unknown>;
  required: Set<string>;
  /** `false`: unknown properties are refused; a schema: the values of other keys (a record). */
  additional: unknown;
}

/**
 * The properties of an object schema, with those of its `allOf` members (all apply: required adds up) and of
 * its `anyOf`/`oneOf` variants (any may apply: a property is required only if every object variant requires
 * it; one present in several variants has the union of their schemas).
 */
const objectOf = (doc: Doc, node: unknown, depth = 0): ObjectView | undefined => {
  const s = resolve(doc, node);
  if (depth > 32) return undefined;
  const view: ObjectView = { properties: new Map(), required: new Set(), additional: s.additionalProperties };
  let isObjectSchema = s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object'));
  if (isObject(s.properties)) {
    isObjectSchema = true;
    for (const [name, prop] of Object.entries(s.properties)) view.properties.set(name, prop);
  }
  for (const name of (s.required as string[] | undefined) ?? []) view.required.add(name);
  const add = (name: string, prop: unknown, combinator: 'allOf' | 'anyOf') => {
    const known = view.properties.get(name);
    view.properties.set(name, known === undefined ? prop : { [combinator]: [known, prop] });
  };
  for (const member of (s.allOf as unknown[] | undefined) ?? []) {
    const sub = objectOf(doc, member, depth + 1);
    if (!sub) continue;
    isObjectSchema = true;
    for (const [name, prop] of sub.properties) add(name, prop, 'allOf');
    for (const name of sub.required) view.required.add(name);
    if (sub.additional !== undefined) view.additional = sub.additional;
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const variants = ((s[key] as unknown[] | undefined) ?? [])
      .map((variant) => objectOf(doc, variant, depth + 1))
      .filter((v): v is ObjectView => !!v);
    if (variants.length === 0) continue;
    isObjectSchema = true;
    for (const variant of variants) for (const [name, prop] of variant.properties) add(name, prop, 'anyOf');
    const requiredByAll = [...variants[0]!.required].filter((name) =>
      variants.every((v) => v.required.has(name)),
    );
    for (const name of requiredByAll) view.required.add(name);
    if (variants.every((v) => v.additional === false)) view.additional = false;
  }
  return isObjectSchema ? view : undefined;
};

/** The item schema of an array schema (the union of the variants' items for `anyOf`/`oneOf`/`allOf`). */
const itemsOf = (doc: Doc, node: unknown, depth = 0): unknown => {
  const s = resolve(doc, node);
  if (depth > 32) return undefined;
  if (s.items !== undefined) return s.items;
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const items = ((s[key] as unknown[] | undefined) ?? [])
      .map((variant) => itemsOf(doc, variant, depth + 1))
      .filter((i) => i !== undefined);
    if (items.length === 1) return items[0];
    if (items.length > 1) return { [key === 'allOf' ? 'allOf' : 'anyOf']: items };
  }
  return undefined;
};

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const show = (v: unknown) => JSON.stringify(v);

type Direction = 'request' | 'response';

class Differ {
  readonly breaks: Break[] = [];
  private readonly before: Doc;
  private readonly after: Doc;
  constructor(before: Doc, after: Doc) {
    this.before = before;
    this.after = after;
  }

  private report(kind: BreakKind, where: string, detail: string) {
    this.breaks.push({ kind, where, detail });
  }

  /**
   * Compares one schema's two versions where `direction` says who reads the value: the client (response)
   * or the server (request). `at` is the place within the value (`data.items[].title`).
   */
  schema(
    b: unknown,
    a: unknown,
    direction: Direction,
    where: string,
    at: string,
    visited = new Map<object, Set<object>>(),
    depth = 0,
  ) {
    const bs = resolve(this.before, b);
    const as = resolve(this.after, a);
    // Recursive schemas: compare each pair of schemas once.
    const pairs = visited.get(bs) ?? new Set<object>();
    if (pairs.has(as) || depth > 32) return;
    pairs.add(as);
    visited.set(bs, pairs);
    const place = at ? `${where} › ${at}` : where;

    const bTypes = typesOf(this.before, bs);
    const aTypes = typesOf(this.after, as);
    const lost = direction === 'response' ? notCovered(bTypes, aTypes) : notCovered(aTypes, bTypes);
    if (lost && lost.length > 0) {
      this.report(
        'type-changed',
        place,
        direction === 'response'
          ? `type ${typeText(bTypes)} → ${typeText(aTypes)}: clients may now receive ${lost.join(', ')}`
          : `type ${typeText(bTypes)} → ${typeText(aTypes)}: ${lost.join(', ')} no longer accepted`,
      );
      return;
    }

    const bValues = valuesOf(this.before, bs);
    const aValues = valuesOf(this.after, as);
    if (bValues && aValues) {
      const removed = bValues.filter((v) => !aValues.some((w) => sameValue(v, w)));
      if (removed.length > 0)
        this.report(
          'enum-narrowed',
          place,
          `value${removed.length > 1 ? 's' : ''} ${removed.map(show).join(', ')} removed`,
        );
    }

    const bObject = objectOf(this.before, bs);
    const aObject = objectOf(this.after, as);
    if (bObject && aObject) this.object(bObject, aObject, direction, where, at, visited, depth);

    const bItems = itemsOf(this.before, bs);
    const aItems = itemsOf(this.after, as);
    if (bItems !== undefined && aItems !== undefined)
      this.schema(bItems, aItems, direction, where, `${at}[]`, visited, depth + 1);
  }

  private object(
    b: ObjectView,
    a: ObjectView,
    direction: Direction,
    where: string,
    at: string,
    visited: Map<object, Set<object>>,
    depth: number,
  ) {
    const child = (name: string) => (at ? `${at}.${name}` : name);
    const place = (name: string) => `${where} › ${child(name)}`;
    const removed = [...b.properties.keys()].filter((name) => !a.properties.has(name));
    const added = [...a.properties.keys()].filter((name) => !b.properties.has(name));

    if (direction === 'response') {
      const renamedTo =
        removed.length === 1 &&
        added.length === 1 &&
        typeText(typesOf(this.before, b.properties.get(removed[0]!))) ===
          typeText(typesOf(this.after, a.properties.get(added[0]!)))
          ? added[0]
          : undefined;
      for (const name of removed)
        if (renamedTo)
          this.report(
            'response-property-renamed',
            place(name),
            `renamed to \`${renamedTo}\`: clients reading \`${name}\` get nothing`,
          );
        else this.report('response-property-removed', place(name), 'removed: clients reading it get nothing');
      for (const name of b.required)
        if (a.properties.has(name) && !a.required.has(name))
          this.report('response-property-optional', place(name), 'was always present, may now be missing');
    } else {
      for (const name of a.required) {
        if (b.required.has(name)) continue;
        if (b.properties.has(name))
          this.report(
            'request-property-became-required',
            place(name),
            'optional → required: requests without it are refused',
          );
        else
          this.report(
            'request-property-added-required',
            place(name),
            'new required property: existing requests lack it',
          );
      }
      if (a.additional === false)
        for (const name of removed)
          this.report(
            'request-property-removed',
            place(name),
            'removed, and unknown properties are refused: requests that send it fail',
          );
    }

    for (const [name, bProp] of b.properties) {
      const aProp = a.properties.get(name);
      if (aProp !== undefined) this.schema(bProp, aProp, direction, where, child(name), visited, depth + 1);
    }
    if (isObject(b.additional) && isObject(a.additional))
      this.schema(b.additional, a.additional, direction, where, `${at}{*}`, visited, depth + 1);
  }

  operation(path: string, method: string, b: Json, a: Json) {
    const where = `${method.toUpperCase()} ${path}`;

    // Parameters (path, query, header; names of headers are case-insensitive).
    const paramsOf = (doc: Doc, op: Json) => {
      const out = new Map<string, Json>();
      for (const p of (op.parameters as unknown[] | undefined) ?? []) {
        const param = resolve(doc, p);
        if (typeof param.name !== 'string' || !PARAMETER_PLACES.has(param.in as string)) continue;
        const name = param.in === 'header' ? param.name.toLowerCase() : param.name;
        out.set(`${param.in as string} parameter \`${name}\``, param);
      }
      return out;
    };
    const bParams = paramsOf(this.before, b);
    const aParams = paramsOf(this.after, a);
    for (const [key, aParam] of aParams) {
      const bParam = bParams.get(key);
      if (aParam.required === true && !bParam)
        this.report(
          'parameter-added-required',
          `${where} › ${key}`,
          'new required parameter: existing requests lack it',
        );
      else if (aParam.required === true && bParam?.required !== true)
        this.report(
          'parameter-became-required',
          `${where} › ${key}`,
          'optional → required: requests without it are refused',
        );
      if (bParam) this.schema(bParam.schema, aParam.schema, 'request', `${where} › ${key}`, '');
    }

    // Request body.
    const bBody = b.requestBody === undefined ? undefined : resolve(this.before, b.requestBody);
    const aBody = a.requestBody === undefined ? undefined : resolve(this.after, a.requestBody);
    if (!bBody && aBody?.required === true)
      this.report(
        'request-body-required',
        `${where} › request body`,
        'a body is now required: existing requests have none',
      );
    if (bBody && aBody) {
      const bContent = isObject(bBody.content) ? bBody.content : {};
      const aContent = isObject(aBody.content) ? aBody.content : {};
      if (aBody.required === true && bBody.required !== true)
        this.report('request-body-required', `${where} › request body`, 'the body became required');
      for (const [mediaType, bMedia] of Object.entries(bContent)) {
        const aMedia = aContent[mediaType];
        const bodyWhere = `${where} › request body (${mediaType})`;
        if (!isObject(aMedia))
          this.report('request-content-type-removed', bodyWhere, `${mediaType} is no longer accepted`);
        else if (isObject(bMedia)) this.schema(bMedia.schema, aMedia.schema, 'request', bodyWhere, '');
      }
    }

    // 2xx responses with a JSON body.
    const bResponses = isObject(b.responses) ? b.responses : {};
    const aResponses = isObject(a.responses) ? a.responses : {};
    for (const [status, bRaw] of Object.entries(bResponses)) {
      if (!/^2(\d\d|XX)$/i.test(status)) continue;
      const responseWhere = `${where} › ${status} response`;
      if (aResponses[status] === undefined) {
        this.report('response-removed', responseWhere, `the ${status} response is gone`);
        continue;
      }
      const bResponse = resolve(this.before, bRaw);
      const aResponse = resolve(this.after, aResponses[status]);
      const bJson = isObject(bResponse.content) ? bResponse.content['application/json'] : undefined;
      const aJson = isObject(aResponse.content) ? aResponse.content['application/json'] : undefined;
      if (!isObject(bJson)) continue;
      if (!isObject(aJson)) this.report('response-removed', responseWhere, 'the JSON body is gone');
      else this.schema(bJson.schema, aJson.schema, 'response', responseWhere, '');
    }
  }
}

/** Every change from `before` to `after` that can break a client of `before` (see the top of this file). */
export function breakingChanges(before: Doc, after: Doc): Break[] {
  const differ = new Differ(before, after);
  const bPaths = isObject(before.paths) ? before.paths : {};
  const aPaths = isObject(after.paths) ? after.paths : {};
  for (const [path, bItemRaw] of Object.entries(bPaths)) {
    const bItem = resolve(before, bItemRaw);
    const aItem = aPaths[path] === undefined ? {} : resolve(after, aPaths[path]);
    for (const method of METHODS) {
      const bOp = bItem[method];
      if (!isObject(bOp)) continue;
      const aOp = aItem[method];
      if (!isObject(aOp)) {
        differ.breaks.push({
          kind: 'operation-removed',
          where: `${method.toUpperCase()} ${path}`,
          detail: `operation${typeof bOp.operationId === 'string' ? ` ${bOp.operationId}` : ''} removed`,
        });
        continue;
      }
      // Parameters shared by all operations of a path count as the operation's own.
      const withPathParams = (item: Json, op: Json): Json => ({
        ...op,
        parameters: [
          ...((item.parameters as unknown[] | undefined) ?? []),
          ...((op.parameters as unknown[] | undefined) ?? []),
        ],
      });
      differ.operation(path, method, withPathParams(bItem, bOp), withPathParams(aItem, aOp));
    }
  }
  return differ.breaks;
}

const semver = (version: unknown) => {
  const m = typeof version === 'string' ? /^v?(\d+)\.(\d+)\.(\d+)/.exec(version) : null;
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
};

/**
 * Whether `after`'s version is a new major version of `before`'s: the major number went up, or, for 0.x
 * versions, the minor number did (semver: "Major version zero (0.y.z) is for initial development. Anything
 * MAY change at any time", and by convention 0.x → 0.(x+1) is the breaking step, as npm's `^0.x` ranges
 * assume). Unparseable versions are never raised.
 */
export function majorRaised(beforeVersion: unknown, afterVersion: unknown): boolean {
  const b = semver(beforeVersion);
  const a = semver(afterVersion);
  if (!b || !a) return false;
  if (a.major !== b.major) return a.major > b.major;
  return b.major === 0 && a.minor > b.minor;
}

export interface Gate {
  pass: boolean;
  breaks: Break[];
  beforeVersion: string;
  afterVersion: string;
  /** Breaks are allowed because the API's (the server package's) major version went up. */
  versionRaised: boolean;
}

const versionOf = (doc: Doc) =>
  isObject(doc.info) && typeof doc.info.version === 'string' ? doc.info.version : '';

/**
 * The CI gate: passes when nothing breaks, or when `info.version` (the server package's version) is a new
 * major version (for 0.x: a new minor version; see `majorRaised`).
 */
export function gateOf(before: Doc, after: Doc): Gate {
  const breaks = breakingChanges(before, after);
  const beforeVersion = versionOf(before);
  const afterVersion = versionOf(after);
  const versionRaised = majorRaised(beforeVersion, afterVersion);
  return { pass: breaks.length === 0 || versionRaised, breaks, beforeVersion, afterVersion, versionRaised };
}
