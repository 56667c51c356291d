/**
 * A property-based fuzz test of the whole API over real HTTP, from its OpenAPI document: what Schemathesis
 * does with `--checks all` (Schemathesis is Python; nothing alike is on npm), with fast-check.
 *
 * For every operation of the document, as each role that may call it (public operations anonymously, the
 * others as a signed-in user and as an administrator), inputs are generated from the JSON schemas of its
 * parameters and body: valid ones, and invalid ones that break the schema in one place (another type, a
 * bound passed, a pattern or format not met, a required field left out, an unknown field, prototype-named
 * ones among them, a header value with a control character, malformed JSON, another content type). Every
 * answer must
 *
 * - not be a 5xx (nothing here is down: a 500 or a 503 is a bug),
 * - have a status the operation documents,
 * - have a content type that status documents (no body where it documents none),
 * - have a body that validates against that status' schema, and documented headers that validate too;
 *
 * and moreover invalid input is refused (4xx), an administrator's operation never succeeds for a user, and
 * a signed-in operation never succeeds without a valid token (401). Then the document's links are followed
 * from every answer that has some (create → get → update → delete): a resource just answered for is found,
 * another user cannot reach it, and once deleted it is gone for every operation on it. Paths with methods they do not document answer 405 with
 * `Allow`.
 *
 * Multipart uploads are sent as multipart (a small text file of a type `GET /files/rules` accepts); as JSON
 * they must answer 415.
 *
 * Not checked: that valid input is accepted (Schemathesis' positive_data_acceptance). The document cannot say
 * everything the server checks (an email's form once trimmed, a password's strength, a cursor's meaning, a
 * task that must exist), so valid input is often refused with a documented 400; FUZZ_REPORT=1 prints what
 * each operation answered, to see how far the runs got.
 *
 *   FUZZ_SEED=<n> repeats a run (the seed is printed at the start, and by fast-check with any failure);
 *   FUZZ_RUNS=<n> sets the runs per property (default 25).
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { contract, contractRoutes, type RouteMetadata } from '@taskvault/contract';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, registerAndLogin } from '../test/api.ts';
import { startTestServer, type TestServer } from '../test/harness.ts';
import {
  CONTROL_CHARACTERS,
  PROTOTYPE_KEYS,
  SchemaArbitraries,
  type Schema,
} from '../test/json-schema-arbitrary.ts';
import { rawRequest, type RawRequest, type RawResponse } from '../test/raw-http.ts';
import { buildOpenApiDocuments } from './openapi/documents.ts';

// eslint-disable-next-line no-restricted-properties -- the test's own knobs, not the server's configuration
const { FUZZ_SEED, FUZZ_RUNS, FUZZ_REPORT } = process.env;
const SEED = FUZZ_SEED ? Number(FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const RUNS = FUZZ_RUNS ? Number(FUZZ_RUNS) : 25;
const params = (numRuns = RUNS) => ({ seed: SEED, numRuns });

type Parameter = {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
};
type Media = { schema?: Schema };
type Link = { operationId: string; parameters: Record<string, string> };
type Response = {
  $ref?: string;
  content?: Record<string, Media>;
  headers?: Record<string, { schema?: Schema }>;
  links?: Record<string, Link>;
};
type Operation = {
  operationId: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, Media> };
  responses: Record<string, Response>;
};
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, Response> };
};

type Access = RouteMetadata['access'];
/** `other`: a second signed-in user, who must not reach the first one's resources. */
type Role = 'anonymous' | 'user' | 'admin' | 'other';
type Op = { id: string; method: string; path: string; pointer: string; op: Operation; access: Access };

/** JSON pointer escaping (RFC 6901), for addressing the document's parts. */
const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Each operation's access level, from the contract the document is built from (keyed by operationId). */
const accessById = new Map<string, Access>();
for (const { path, route } of contractRoutes(contract))
  accessById.set(path.join('.'), (route.metadata as RouteMetadata).access);

const accessOf = (id: string): Access => {
  const access = accessById.get(id);
  if (!access) throw new Error(`${id} is in the document but not in the contract`);
  return access;
};

/** The operations of a document, in its order. */
const operationsOf = (doc: Doc): Op[] =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([m, op]) => ({
        id: op.operationId,
        method: m.toUpperCase(),
        path,
        pointer: `/paths/${esc(path)}/${m}`,
        op,
        access: accessOf(op.operationId),
      })),
  );

// The same builder the server uses; the served document is checked to be this one before anything runs.
const built = buildOpenApiDocuments().v31 as unknown as Doc;
const OPS = operationsOf(built);
const rolesFor = (access: Access): Role[] => (access === 'public' ? ['anonymous'] : ['user', 'admin']);

// ---------------------------------------------------------------------------------------------------------
// Inputs

type Body =
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; contentType: string; text: string }
  | {
      kind: 'multipart';
      fields: Record<string, string>;
      /** The file part: its field (the schema's `format: binary` property), its file name and content. */
      file?: { field: string; name: string; content: string };
    };

type Input = {
  /** Parameter values by `in:name`; absent keys are not sent. */
  params: Record<string, unknown>;
  body?: Body | undefined;
  /** Unknown query keys and headers a client may send, named like Object.prototype members. */
  noise?: { query: Array<[string, string]>; headers: Array<[string, string]> } | undefined;
};

/** `breaksSchema`: meant to break the document's schemas, as opposed to HTTP's rules (malformed JSON, ...). */
type Negative = { input: Input; what: string; breaksSchema?: boolean };

let srv: TestServer;
let doc: Doc;
let ops: Map<string, Op>;
let arbs: SchemaArbitraries;
let ajv: Ajv2020;
/** A text type uploads accept, from `GET /files/rules`: the file part of generated uploads. */
let uploadExtension = 'txt';

const validators = new Map<string, ValidateFunction>();
/** A validator for the schema at `pointer` in the document (its `$ref`s resolve within the document). */
const validatorAt = (pointer: string): ValidateFunction => {
  let v = validators.get(pointer);
  if (!v) {
    v = ajv.getSchema(`openapi.json#${pointer}`);
    if (!v) throw new Error(`no schema at ${pointer}`);
    validators.set(pointer, v);
  }
  return v;
};
const errorsText = (v: ValidateFunction) => ajv.errorsText(v.errors, { separator: '; ' });

const paramKey = (p: Parameter) => `${p.in}:${p.name}`;
const paramsOf = (o: Op) => (o.op.parameters ?? []).filter((p) => p.in !== 'cookie');
const jsonBodySchema = (o: Op) => o.op.requestBody?.content['application/json']?.schema;
const multipartSchema = (o: Op) => o.op.requestBody?.content['multipart/form-data']?.schema;

/** Header values HTTP can carry: visible ASCII, spaces inside. */
const HEADER_SAFE = /^([\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?)?$/;

/** A value as it travels in a query string or a header: numbers and booleans in their JSON spelling. */
const serialize = (v: unknown): string[] =>
  Array.isArray(v) ? v.flatMap(serialize) : typeof v === 'string' ? [v] : [JSON.stringify(v)];

/** A number as JSON spells it: what a query value must look like to mean one. */
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * What a query, path or header value means against its schema (OpenAPI's `form`/`simple` styles): a string
 * that spells a number is that number where the schema takes numbers, one spelling `true`/`false` that boolean.
 */
function deserialize(raw: string[], schema: Schema): unknown {
  const types = arbs.typesOf(schema) ?? [];
  const one = (s: string): unknown => {
    if ((types.includes('integer') || types.includes('number')) && NUMBER.test(s)) return Number(s);
    if (types.includes('boolean') && (s === 'true' || s === 'false')) return s === 'true';
    return s;
  };
  if (types.includes('array') && (raw.length !== 1 || !types.some((t) => t !== 'array'))) return raw.map(one);
  return raw.length === 1 ? one(raw[0]!) : raw.map(one);
}

const numeric = (schema: Schema) =>
  (arbs.typesOf(schema) ?? []).some((t) => t === 'integer' || t === 'number');

/** Whether the input meets every schema the document gives for the request; the first problem otherwise. */
function requestProblem(o: Op, input: Input): string | undefined {
  for (const [i, p] of (o.op.parameters ?? []).entries()) {
    if (p.in === 'cookie') continue;
    const value = input.params[paramKey(p)];
    // An empty list puts nothing in the query: the parameter is not sent.
    if (value === undefined || serialize(value).length === 0) {
      if (p.required) return `${paramKey(p)} is missing`;
      continue;
    }
    const v = validatorAt(`${o.pointer}/parameters/${i}/schema`);
    if (!v(deserialize(serialize(value), p.schema))) return `${paramKey(p)}: ${errorsText(v)}`;
  }
  const body = input.body;
  if (jsonBodySchema(o)) {
    if (body?.kind !== 'json') return 'the body is not JSON';
    const v = validatorAt(`${o.pointer}/requestBody/content/application~1json/schema`);
    if (!v(body.value)) return `body: ${errorsText(v)}`;
  }
  if (multipartSchema(o)) {
    if (body?.kind !== 'multipart') return 'the body is not multipart';
    const v = validatorAt(`${o.pointer}/requestBody/content/multipart~1form-data/schema`);
    const asObject = { ...body.fields, ...(body.file ? { [body.file.field]: body.file.content } : {}) };
    if (!v(asObject)) return `form: ${errorsText(v)}`;
  }
  return undefined;
}

/** A valid value for one parameter: path segments are never empty, header values are ones HTTP can carry. */
const validParam = (p: Parameter): fc.Arbitrary<unknown> => {
  const base = arbs.valid(p.schema);
  if (p.in === 'path') return base.filter((v) => serialize(v).join('') !== '');
  if (p.in === 'header') return base.filter((v) => serialize(v).every((s) => HEADER_SAFE.test(s)));
  return base;
};

/** Parameters: any of the optional ones, or (a third of the time) the required ones alone. */
const validParams = (o: Op): fc.Arbitrary<Record<string, unknown>> => {
  const list = paramsOf(o);
  const record = (ps: Parameter[]) =>
    fc
      .record(Object.fromEntries(ps.map((p) => [paramKey(p), validParam(p)])), {
        requiredKeys: ps.filter((p) => p.required).map(paramKey),
      })
      .map((r) => ({ ...r }));
  return fc.oneof(
    { arbitrary: record(list), weight: 2 },
    { arbitrary: record(list.filter((p) => p.required)), weight: 1 },
  );
};

/** The file part of a multipart schema: its property of `format: binary`. */
const fileFieldOf = (schema: Schema): string | undefined => {
  const properties = (arbs.resolve(schema).properties ?? {}) as Record<string, Schema>;
  return Object.keys(properties).find((k) => arbs.resolve(properties[k]).format === 'binary');
};

/** A multipart schema less its file part (`format: binary`): the form's text fields. */
const textFieldsOf = (schema: Schema): Schema => {
  const s = arbs.resolve(schema);
  const properties = (s.properties ?? {}) as Record<string, Schema>;
  const isFile = (k: string) => k === fileFieldOf(schema);
  return {
    ...s,
    properties: Object.fromEntries(Object.entries(properties).filter(([k]) => !isFile(k))),
    required: ((s.required as string[] | undefined) ?? []).filter((k) => !isFile(k)),
  };
};

/** A form's text fields and its file part (a text file of an accepted type) from the multipart schema. */
const validMultipart = (schema: Schema, minimal: boolean): fc.Arbitrary<Body> => {
  const textSchema = textFieldsOf(schema);
  return fc
    .record({
      fields: (minimal ? arbs.minimal(textSchema) : arbs.valid(textSchema)) as fc.Arbitrary<
        Record<string, unknown>
      >,
      name: fc.stringMatching(/^[a-z0-9][a-z0-9 _-]{0,20}$/),
      content: fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }),
    })
    .map(({ fields, name, content }) => ({
      kind: 'multipart' as const,
      fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, serialize(v).join(',')])),
      ...(fileFieldOf(schema)
        ? { file: { field: fileFieldOf(schema)!, name: `${name}.${uploadExtension}`, content } }
        : {}),
    }));
};

const noise = fc.option(
  fc.record({
    query: fc.array(fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.stringMatching(/^[a-z0-9]{0,8}$/)), {
      maxLength: 3,
    }),
    headers: fc.array(fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.stringMatching(/^[a-z0-9]{1,8}$/)), {
      maxLength: 3,
    }),
  }),
  { nil: undefined },
);

const validInput = (o: Op): fc.Arbitrary<Input> => {
  const json = jsonBodySchema(o);
  const form = multipartSchema(o);
  // Bodies too: any valid one, or (a third of the time) the smallest.
  const either = <T>(f: (minimal: boolean) => fc.Arbitrary<T>) =>
    fc.oneof({ arbitrary: f(false), weight: 2 }, { arbitrary: f(true), weight: 1 });
  const body: fc.Arbitrary<Body | undefined> = json
    ? either((minimal) =>
        (minimal ? arbs.minimal(json) : arbs.valid(json)).map((value) => ({ kind: 'json' as const, value })),
      )
    : form
      ? either((minimal) => validMultipart(form, minimal))
      : fc.constant(undefined);
  return fc.record({ params: validParams(o), body, noise });
};

/**
 * A mutation meant to break the request's schema, kept when it mostly does: one that cannot (a value of
 * "another type" for a query string that takes any string arrives as a string all the same) would only waste
 * runs. The runs where it happens not to are skipped (`fc.pre`), rather than filtered out while generating,
 * which could loop for ever.
 */
const breaking = (o: Op, arb: fc.Arbitrary<Negative>): Array<fc.Arbitrary<Negative>> => {
  const probe = fc.sample(arb, { numRuns: 20, seed: SEED });
  const broke = probe.filter((n) => requestProblem(o, n.input) !== undefined).length;
  return broke >= 5 ? [arb.map((n) => ({ ...n, breaksSchema: true }))] : [];
};

/** Inputs that break the request's schema in one place, or HTTP's rules, each with what was broken. */
const invalidInput = (o: Op): fc.Arbitrary<Negative> | undefined => {
  const mutations: Array<fc.Arbitrary<Negative>> = [];
  const valid = validInput(o).map((i) => ({ ...i, noise: undefined }));
  for (const p of paramsOf(o)) {
    const key = paramKey(p);
    const candidate = (
      p.in === 'path'
        ? arbs.invalid(p.schema)
        : fc.oneof(arbs.invalid(p.schema), fc.array(arbs.valid(p.schema), { minLength: 2, maxLength: 3 }))
    ).filter((v) => {
      const texts = serialize(v);
      if (p.in === 'path') return texts.length === 1 && texts[0] !== '';
      if (p.in === 'header') return texts.length === 1 && HEADER_SAFE.test(texts[0]!);
      // Known and left for now: numeric query parameters are read with JavaScript's Number(), so `''`,
      // `' 5 '`, `+5` and `0x10` pass as numbers. Left out until that is decided.
      if (numeric(p.schema)) return texts.every((t) => NUMBER.test(t) || Number.isNaN(Number(t)));
      return true;
    });
    mutations.push(
      ...breaking(
        o,
        fc.tuple(valid, candidate).map(([i, v]) => ({
          input: { ...i, params: { ...i.params, [key]: v } },
          what: `${key} = ${JSON.stringify(v)}`,
        })),
      ),
    );
    if (p.required && p.in !== 'path')
      mutations.push(
        valid.map((i) => {
          const rest = { ...i.params };
          delete rest[key];
          return { input: { ...i, params: rest }, what: `${key} left out` };
        }),
      );
    if (p.in === 'header')
      // Schema-wise any string; HTTP-wise not a header value. Answered like any other bad input: 400, the envelope.
      mutations.push(
        fc
          .tuple(
            valid,
            fc.string({ maxLength: 10, unit: 'grapheme-ascii' }),
            fc.constantFrom(...CONTROL_CHARACTERS),
            fc.string({ maxLength: 10, unit: 'grapheme-ascii' }),
          )
          .map(([i, a, c, b]) => ({
            input: { ...i, params: { ...i.params, [key]: `${a}${c}${b}` } },
            what: `${key} with control character U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
          })),
      );
  }
  const json = jsonBodySchema(o);
  if (json) {
    mutations.push(
      ...breaking(
        o,
        fc.tuple(valid, arbs.invalid(json)).map(([i, value]) => ({
          input: { ...i, body: { kind: 'json' as const, value } },
          what: `body ${JSON.stringify(value)}`,
        })),
      ),
      valid.chain((i) =>
        fc.constantFrom('{', '{"a":}', "{'a':1}", '[1,]', 'nul', '{"a":1}}').map((text) => ({
          input: { ...i, body: { kind: 'text' as const, contentType: 'application/json', text } },
          what: `malformed JSON ${text}`,
        })),
      ),
      valid.chain((i) =>
        fc
          .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x')
          .map((contentType) => ({
            input: {
              ...i,
              body: {
                kind: 'text' as const,
                contentType,
                text: JSON.stringify(i.body?.kind === 'json' ? i.body.value : {}),
              },
            },
            what: `a body of type ${contentType}`,
          })),
      ),
    );
  }
  if (json && o.op.requestBody?.required)
    mutations.push(valid.map((i) => ({ input: { ...i, body: undefined }, what: 'no body' })));
  const form = multipartSchema(o);
  if (form) {
    mutations.push(
      ...breaking(
        o,
        fc.tuple(valid, arbs.invalid(textFieldsOf(form))).map(([i, fields]) => ({
          input: {
            ...i,
            body: {
              kind: 'multipart' as const,
              // A form holds text: whatever the broken value is, it goes as its JSON spelling.
              fields:
                fields && typeof fields === 'object' && !Array.isArray(fields)
                  ? Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, serialize(v).join(',')]))
                  : { value: JSON.stringify(fields) },
              ...(i.body?.kind === 'multipart' && i.body.file ? { file: i.body.file } : {}),
            },
          },
          what: `form fields ${JSON.stringify(fields)}`,
        })),
      ),
      valid.map((i) => ({
        input: {
          ...i,
          body: {
            kind: 'text' as const,
            contentType: 'application/json',
            text: JSON.stringify(i.body?.kind === 'multipart' ? i.body.fields : {}),
          },
        },
        what: 'the form sent as JSON',
      })),
      valid.map((i) => ({
        input: {
          ...i,
          body: { kind: 'multipart' as const, fields: i.body?.kind === 'multipart' ? i.body.fields : {} },
        },
        what: 'a form without its file part',
      })),
    );
  }
  return mutations.length > 0 ? fc.oneof(...mutations) : undefined;
};

// ---------------------------------------------------------------------------------------------------------
// Requests

/** Percent-encoding for a path segment; dots too, so `.` and `..` stay values and not dot segments. */
const segment = (s: string) => encodeURIComponent(s).replace(/\./g, '%2E');

function toRequest(o: Op, input: Input, token: string | undefined): RawRequest {
  const list = paramsOf(o);
  const value = (p: Parameter) => input.params[paramKey(p)];
  const target = o.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const p = list.find((x) => x.in === 'path' && x.name === name);
    return segment(serialize(p ? value(p) : '').join(','));
  });
  const query = list
    .filter((p) => p.in === 'query' && value(p) !== undefined)
    .flatMap((p) => serialize(value(p)).map((v) => [p.name, v] as [string, string]))
    .concat(input.noise?.query ?? [])
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const headers: Array<[string, string]> = [['accept', 'application/json, */*']];
  if (token) headers.push(['authorization', `Bearer ${token}`]);
  for (const p of list)
    if (p.in === 'header' && value(p) !== undefined) headers.push([p.name, serialize(value(p)).join(',')]);
  headers.push(...(input.noise?.headers ?? []));
  let body: Buffer | undefined;
  const b = input.body;
  if (b?.kind === 'json') {
    headers.push(['content-type', 'application/json']);
    body = Buffer.from(JSON.stringify(b.value) ?? 'null');
  } else if (b?.kind === 'text') {
    headers.push(['content-type', b.contentType]);
    body = Buffer.from(b.text);
  } else if (b?.kind === 'multipart') {
    // Generated text is not going to contain it by chance.
    const boundary = '----taskvault-fuzz-7d1c9a0e';
    const parts = Object.entries(b.fields).map(
      ([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
    );
    if (b.file)
      parts.push(
        `--${boundary}\r\ncontent-disposition: form-data; name="${b.file.field}"; filename="${b.file.name}"\r\n` +
          `content-type: application/octet-stream\r\n\r\n${b.file.content}\r\n`,
      );
    headers.push(['content-type', `multipart/form-data; boundary=${boundary}`]);
    body = Buffer.from(`${parts.join('')}--${boundary}--\r\n`);
  } else if (['POST', 'PUT', 'PATCH'].includes(o.method)) body = Buffer.alloc(0);
  return { method: o.method, target: query ? `${target}?${query}` : target, headers, body };
}

const describeRequest = (r: RawRequest) =>
  `${r.method} ${r.target}\n${(r.headers ?? [])
    .filter(([k]) => k !== 'authorization')
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join('\n')}\n${r.body?.toString('utf8').slice(0, 500) ?? ''}`;

type Exchange = { request: RawRequest; response: RawResponse; json: unknown };

/** What each operation answered, by the kind of input: printed with FUZZ_REPORT=1, to see what was reached. */
const tally = new Map<string, Map<number, number>>();

async function send(o: Op, input: Input, token: string | undefined, kind = 'other'): Promise<Exchange> {
  const request = toRequest(o, input, token);
  const response = await rawRequest(srv.baseUrl, request);
  const key = `${o.id} ${kind}`;
  const counts = tally.get(key) ?? new Map<number, number>();
  tally.set(key, counts.set(response.status, (counts.get(response.status) ?? 0) + 1));
  let json: unknown;
  if (/json/.test(response.headers['content-type'] ?? '') && response.body.length > 0) {
    try {
      json = JSON.parse(response.body.toString('utf8'));
    } catch {
      json = undefined;
    }
  }
  return { request, response, json };
}

const resolveResponse = (r: Response): Response =>
  r.$ref ? (doc.components.responses[r.$ref.split('/').pop()!] ?? {}) : r;

/** The checks every answer must pass, whatever was sent: Schemathesis' not_a_server_error and conformance. */
function checkConformance(o: Op, x: Exchange): void {
  const { status, headers, body } = x.response;
  const about = `${o.id}: answered ${status} ${headers['content-type'] ?? '(no content type)'} ${body.toString('utf8').slice(0, 400)}\nto\n${describeRequest(x.request)}`;
  expect(status, `a server error. ${about}`).toBeLessThan(500);
  const documented = o.op.responses[String(status)];
  expect(documented, `an undocumented status. ${about}`).toBeDefined();
  if (!documented) return;
  const response = resolveResponse(documented);
  const content = response.content ?? {};
  const mediaType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (Object.keys(content).length === 0) {
    expect(body.length, `a body where none is documented. ${about}`).toBe(0);
  } else {
    // A documented media range (`*/*`, `text/*`) takes any type it covers.
    const covered = Object.keys(content).some(
      (range) =>
        range === mediaType ||
        range === '*/*' ||
        (range.endsWith('/*') && mediaType.startsWith(range.slice(0, -1))),
    );
    expect(covered, `an undocumented content type (${Object.keys(content).join(', ')}). ${about}`).toBe(true);
    if (mediaType === 'application/json') {
      expect(x.json, `a body that is not JSON. ${about}`).not.toBeUndefined();
      const pointer = documented.$ref
        ? `/components/responses/${documented.$ref.split('/').pop()!}/content/application~1json/schema`
        : `${o.pointer}/responses/${status}/content/application~1json/schema`;
      const v = validatorAt(pointer);
      expect(v(x.json), `a body the schema refuses (${errorsText(v)}). ${about}`).toBe(true);
    }
  }
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const value = headers[name.toLowerCase()];
    if (value === undefined || !header.schema) continue;
    const v = ajv.compile(header.schema);
    expect(v(deserialize([value], header.schema)), `header ${name}: ${value}. ${about}`).toBe(true);
  }
}

const sessions: Partial<Record<Role, string>> = {};
/** The role's access token: the one kept, while it still works (a run may have logged it out), or a new one. */
async function tokenFor(role: Role): Promise<string | undefined> {
  if (role === 'anonymous') return undefined;
  const kept = sessions[role];
  if (kept) {
    const probe = await rawRequest(srv.baseUrl, {
      method: 'GET',
      target: '/api/v1/auth/profile',
      headers: [['authorization', `Bearer ${kept}`]],
    });
    if (probe.status === 200) return kept;
  }
  const token =
    role === 'admin'
      ? (await adminSession(srv)).tokens.access
      : (await registerAndLogin(srv.baseUrl, role === 'other' ? 'other' : 'fuzz')).access;
  sessions[role] = token;
  return token;
}

// ---------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  // Email verification off so fresh accounts can sign in; the rate limits out of the way, or after the first
  // few dozen logins every answer would be the (documented) 429.
  srv = await startTestServer({
    REQUIRE_EMAIL_VERIFICATION: 'false',
    LOGIN_MAX_FAILURES: '1000000',
    LOGIN_IP_MAX_ATTEMPTS: '1000000',
    LOGIN_ACCOUNT_MAX_FAILURES: '1000000',
  });
  const served = await rawRequest(srv.baseUrl, { method: 'GET', target: '/api/v1/openapi.json' });
  doc = JSON.parse(served.body.toString('utf8')) as Doc;
  ops = new Map(operationsOf(doc).map((o) => [o.id, o]));
  arbs = new SchemaArbitraries(doc.components.schemas);
  ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true });
  // A CommonJS module: its function is the default export's `default`.
  ajvFormats.default(ajv);
  ajv.addFormat('binary', true);
  ajv.addSchema(doc, 'openapi.json');
  const rules = await rawRequest(srv.baseUrl, {
    method: 'GET',
    target: '/api/v1/files/rules',
    headers: [['authorization', `Bearer ${await tokenFor('user')}`]],
  });
  const allowed = (
    JSON.parse(rules.body.toString('utf8')) as {
      data: { allowedTypes: Array<{ extensions: string[]; mimeType: string }> };
    }
  ).data.allowedTypes;
  uploadExtension = allowed.find((t) => t.mimeType === 'text/plain')?.extensions[0] ?? uploadExtension;
  console.info(`contract fuzz: seed ${SEED}, ${RUNS} runs per property (FUZZ_SEED=${SEED} repeats it)`);
});
afterAll(async () => {
  if (FUZZ_REPORT)
    console.info(
      [...tally]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, counts]) => `${key}: ${[...counts].map(([st, n]) => `${st}×${n}`).join(' ')}`)
        .join('\n'),
    );
  await srv?.close();
});

it('fuzzes the document the server serves', () => {
  expect(doc.paths).toEqual(built.paths);
  expect([...ops.keys()]).toEqual(OPS.map((o) => o.id));
});

describe.each(OPS.map((o) => [o.id, o] as const))('%s', (id) => {
  const o = () => ops.get(id)!;

  it.each(rolesFor(OPS.find((x) => x.id === id)!.access))('valid input, as %s', async (role) => {
    const token = await tokenFor(role);
    await fc.assert(
      fc.asyncProperty(validInput(o()), async (input) => {
        // The generator's own check: what it calls valid, the document agrees is.
        expect(requestProblem(o(), input), 'the generator made invalid input').toBeUndefined();
        const x = await send(o(), input, token, `valid as ${role}`);
        checkConformance(o(), x);
        if (role === 'user' && o().access === 'admin')
          expect(x.response.status, `a user was let in to ${id}`).toBeGreaterThanOrEqual(400);
      }),
      params(),
    );
  });

  it.each(rolesFor(OPS.find((x) => x.id === id)!.access))('invalid input is refused, as %s', async (role) => {
    const token = await tokenFor(role);
    const negatives = invalidInput(o());
    // Nothing to break: no parameter, no body (GET /health).
    if (!negatives) return;
    await fc.assert(
      fc.asyncProperty(negatives, async ({ input, what, breaksSchema }) => {
        if (breaksSchema) fc.pre(requestProblem(o(), input) !== undefined);
        const x = await send(o(), input, token, `invalid as ${role}`);
        checkConformance(o(), x);
        expect(
          x.response.status,
          `${what} was accepted: ${x.response.body.toString('utf8').slice(0, 300)}`,
        ).toBeGreaterThanOrEqual(400);
      }),
      params(),
    );
  });

  if (OPS.find((x) => x.id === id)!.access !== 'public')
    it('needs a valid token: 401 without one, or with a bad one', async () => {
      const junk = fc.oneof(
        fc.constant(undefined),
        fc.stringMatching(/^[A-Za-z0-9._~+/-]{1,300}$/),
        // Shaped like a JWT, signed by nobody.
        fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((p) => p.join('.')),
      );
      await fc.assert(
        fc.asyncProperty(validInput(o()), junk, async (input, token) => {
          const x = await send(o(), input, token, 'bad token');
          checkConformance(o(), x);
          const { status } = x.response;
          expect(status === 401, `answered ${status}`).toBe(true);
        }),
        params(Math.ceil(RUNS / 3)),
      );
    });
});

describe('links', () => {
  const sources = OPS.filter((o) =>
    Object.values(o.op.responses).some((r) => Object.keys(r.links ?? {}).length > 0),
  ).flatMap((o) => rolesFor(o.access).map((role) => [o.id, role] as const));

  /** The value of a runtime expression `$response.body#/json/pointer` on an answer. */
  const evaluate = (expression: string, json: unknown): unknown => {
    const pointer = /^\$response\.body#(\/.*)$/.exec(expression)?.[1];
    if (!pointer) throw new Error(`an expression this test does not read: ${expression}`);
    return pointer
      .slice(1)
      .split('/')
      .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>(
        (node, k) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined),
        json,
      );
  };

  /** Absolute URLs on this server in an answer (download links): operations of the document too. */
  const urlsIn = (value: unknown): string[] =>
    typeof value === 'string'
      ? value.startsWith(`${srv.baseUrl}/`)
        ? [value]
        : []
      : value && typeof value === 'object'
        ? Object.values(value).flatMap(urlsIn)
        : [];

  /** Follows a URL an answer handed out, as the GET operation whose path it is, with valid headers of its own. */
  const follow = async (url: string, token: string | undefined, seed: number, from: string) => {
    const u = new URL(url);
    const candidates = [...ops.values()].flatMap((o) => {
      if (o.method !== 'GET') return [];
      // Literal text and parameter names take turns: `/files/{id}/content` → ['/files/', 'id', '/content'].
      const parts = o.path.split(/\{(\w+)\}/);
      const names = parts.filter((_p, i) => i % 2 === 1);
      const pattern = new RegExp(
        `^${parts.map((p, i) => (i % 2 === 1 ? '([^/]+)' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`,
      );
      const m = pattern.exec(u.pathname);
      // The most literal path wins, as OpenAPI matches them.
      return m ? [{ o, values: m.slice(1), literal: o.path.replace(/\{\w+\}/g, '').length, names }] : [];
    });
    const best = candidates.sort((a, b) => b.literal - a.literal)[0];
    expect(best, `${from} handed out ${url}, which is no operation of the document`).toBeDefined();
    const { o, values, names } = best!;
    const sample = fc.sample(validInput(o), { numRuns: 1, seed })[0]!;
    const params: Record<string, unknown> = Object.fromEntries(
      Object.entries(sample.params).filter(([k]) => k.startsWith('header:')),
    );
    names.forEach((n, i) => (params[`path:${n}`] = decodeURIComponent(values[i]!)));
    for (const [k, v] of u.searchParams) params[`query:${k}`] = v;
    const x = await send(o, { params }, o.access === 'public' ? undefined : token, `followed from ${from}`);
    checkConformance(o, x);
  };

  it.each(sources)(
    'followed from %s, as %s: the resource is there until it is deleted, then gone',
    async (id, role) => {
      const source = ops.get(id)!;
      const token = await tokenFor(role);
      const otherToken = await tokenFor('other');
      await fc.assert(
        fc.asyncProperty(validInput(source), fc.infiniteStream(fc.nat()), async (input, picks) => {
          const first = await send(source, input, token, `link source as ${role}`);
          checkConformance(source, first);
          const links = Object.values(source.op.responses[String(first.response.status)]?.links ?? {});
          if (links.length === 0) return;
          // Follow every link in an order fast-check picks, each target with valid input of its own.
          const order = [...links];
          const rand = picks[Symbol.iterator]();
          const pick = (): number => rand.next().value as number;
          for (let i = order.length - 1; i > 0; i--) {
            const j = pick() % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          let deleted: string | undefined;
          for (const link of order) {
            const target = ops.get(link.operationId)!;
            const values = Object.entries(link.parameters).map(
              ([name, e]) => [name, evaluate(e, first.json)] as const,
            );
            // An empty list has no first item to follow.
            if (values.some(([, v]) => v === undefined)) return;
            const sample = fc.sample(validInput(target), { numRuns: 1, seed: pick() })[0]!;
            const params = { ...sample.params };
            for (const [name, v] of values) {
              const p = paramsOf(target).find((x) => x.name === name || `${x.in}.${x.name}` === name)!;
              params[paramKey(p)] = v;
            }
            if (role === 'user' && !deleted) {
              // Someone else's resource: not found for another user, whatever the operation.
              const theirs = await send(target, { ...sample, params }, otherToken, `linked, as another user`);
              checkConformance(target, theirs);
              expect(
                theirs.response.status,
                `another user reached it: ${target.id} after ${id}: ${theirs.response.status} ${theirs.response.body.toString('utf8').slice(0, 300)}`,
              ).toBeGreaterThanOrEqual(400);
            }
            const x = await send(target, { ...sample, params }, token, `linked from ${id} as ${role}`);
            checkConformance(target, x);
            const about = `${target.id} after ${id} ${first.response.status}${deleted ? ` and ${deleted}` : ''}: ${x.response.status} ${x.response.body.toString('utf8').slice(0, 300)}`;
            if (deleted)
              expect(x.response.status, `used after it was deleted: ${about}`).toBeGreaterThanOrEqual(400);
            else expect(x.response.status, `not found, though just answered for: ${about}`).not.toBe(404);
            if (target.method === 'DELETE' && x.response.status < 300) deleted = target.id;
            else if (x.response.status < 300)
              for (const url of urlsIn(x.json)) await follow(url, token, pick(), target.id);
          }
        }),
        params(Math.ceil(RUNS / 2)),
      );
    },
  );
});

describe('methods a path does not document', () => {
  const byPath = Object.entries(built.paths).map(([path, item]) => [path, Object.keys(item)] as const);
  it.each(byPath)('%s answers 405 with Allow', async (path, documented) => {
    const token = await tokenFor('admin');
    const target = path.replace(/\{\w+\}/g, () => '0b7f3d52-4c1e-4a8e-9d2f-6a1b2c3d4e5f');
    const allow = [
      ...documented.map((m) => m.toUpperCase()),
      ...(documented.includes('get') ? ['HEAD'] : []),
    ].sort();
    for (const method of METHODS.filter((m) => !documented.includes(m))) {
      const res = await rawRequest(srv.baseUrl, {
        method: method.toUpperCase(),
        target,
        headers: [['authorization', `Bearer ${token}`]],
        ...(method === 'get' || method === 'delete' ? {} : { body: Buffer.alloc(0) }),
      });
      const about = `${method.toUpperCase()} ${path}: ${res.status} ${res.body.toString('utf8')}`;
      expect(res.status, about).toBe(405);
      expect((res.headers.allow ?? '').split(/,\s*/).sort(), about).toEqual(allow);
      const v = validatorAt('/components/schemas/ErrorEnvelope');
      expect(v(JSON.parse(res.body.toString('utf8'))), about).toBe(true);
    }
  });
});
