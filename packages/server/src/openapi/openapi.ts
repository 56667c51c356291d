import { isAppRouteOtherResponse, type AppRoute, type AppRouter } from '@ts-rest/core';
import {
  contractRoutes,
  ErrorEnvelopeSchema,
  errorStatus,
  resources,
  type ErrorCode,
  type ErrorEnvelope,
  type RouteMetadata,
} from '@taskvault/contract';
import { STATUS_CODES } from 'node:http';
import {
  OpenApiBuilder,
  type ExampleObject,
  type LinkObject,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type PathItemObject,
  type ReferenceObject,
  type ResponseObject,
  type SchemaObject,
} from 'openapi3-ts/oas31';
import { z } from 'zod';
import { schemaTo30 } from './openapi-30.ts';

type Io = 'input' | 'output';
type Json = Record<string, unknown>;

/**
 * The OpenAPI version a document is written in: 3.1, whose schemas are JSON Schema 2020-12, or 3.0.3, for
 * tools that do not read 3.1 yet.
 */
export type OpenApiVersion = '3.1' | '3.0';

/**
 * Converts zod schemas to the Schema Objects of an OpenAPI version: JSON Schema 2020-12 for 3.1 (used as
 * is), zod's `openapi-3.0` target for 3.0, finished by `schemaTo30`. Schemas that carry a `.meta({ id })`
 * become shared components and are referenced, so the error envelope, for one, is described once.
 */
class SchemaCollector {
  readonly components: Record<string, SchemaObject> = {};

  readonly version: OpenApiVersion;

  constructor(version: OpenApiVersion) {
    this.version = version;
  }

  convert(schema: unknown, io: Io): SchemaObject {
    if (!(schema instanceof z.ZodType)) return {};
    const target = this.version === '3.0' ? 'openapi-3.0' : 'draft-2020-12';
    // 2020-12 keeps shared schemas under `$defs`, the older dialects under `definitions`.
    const {
      $schema: _,
      $defs,
      definitions,
      ...root
    } = z.toJSONSchema(schema, { io, target, unrepresentable: 'any' }) as Json & {
      $defs?: Record<string, Json>;
      definitions?: Record<string, Json>;
    };
    const finish = (s: Json) =>
      (this.version === '3.0' ? schemaTo30(rewriteRefs(s)) : rewriteRefs(s)) as SchemaObject;
    for (const [id, def] of Object.entries($defs ?? definitions ?? {})) this.components[id] = finish(def);
    return finish(root);
  }

  /**
   * A value the schema accepts, for examples: the schema's own `examples` (from `.meta({ examples })`)
   * wherever there are some, otherwise one made up from its type and format. `required` only: optional
   * properties appear only when they carry an example of their own (a request example then stays the
   * smallest valid one, and never breaks a rule the schema cannot express, such as "email or username").
   */
  example(schema: unknown, mode: 'full' | 'required' = 'full', depth = 0): unknown {
    if (!schema || typeof schema !== 'object' || depth > 12) return undefined;
    const s = schema as Json;
    if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
    if ('example' in s) return s.example;
    if ('const' in s) return s.const;
    if ('default' in s) return s.default;
    if (typeof s.$ref === 'string')
      return this.example(this.components[s.$ref.split('/').pop()!], mode, depth + 1);
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const variants = s[key] as Json[] | undefined;
      if (variants) {
        const chosen = variants.find((v) => v.type !== 'null') ?? variants[0];
        return this.example(chosen, mode, depth + 1);
      }
    }
    if (Array.isArray(s.enum)) return s.enum[0];
    const type = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : s.type;
    switch (type) {
      case 'object': {
        const required = new Set((s.required as string[] | undefined) ?? []);
        const out: Json = {};
        for (const [name, prop] of Object.entries((s.properties as Record<string, Json> | undefined) ?? {})) {
          if (mode === 'required' && !required.has(name) && !hasOwnExample(prop)) continue;
          const value = this.example(prop, mode, depth + 1);
          if (value !== undefined) out[name] = value;
        }
        return out;
      }
      case 'array': {
        const item = this.example(s.items, mode, depth + 1);
        return item === undefined ? [] : [item];
      }
      case 'integer':
      case 'number':
        return typeof s.minimum === 'number' ? s.minimum : 0;
      case 'boolean':
        return true;
      case 'null':
        return null;
      case 'string':
        return exampleString(s);
      default:
        return undefined;
    }
  }
}

const hasOwnExample = (s: Json) =>
  Array.isArray(s.examples) || 'example' in s || 'default' in s || 'const' in s;

const exampleString = (s: Json): string => {
  const byFormat: Record<string, string> = {
    uuid: '0b7f3d52-4c1e-4a8e-9d2f-6a1b2c3d4e5f',
    'date-time': '2026-06-01T09:30:00.000Z',
    date: '2026-06-30',
    email: 'ann@example.com',
    uri: 'https://taskvault.example.com/',
    binary: '(binary content)',
  };
  const base = byFormat[s.format as string] ?? 'string';
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  return base.padEnd(min, 'x');
};

const rewriteRefs = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string'
          ? v.replace(/^#\/(\$defs|definitions)\//, '#/components/schemas/')
          : rewriteRefs(v),
      ]),
    );
  }
  return node;
};

const parametersOf = (
  schemas: SchemaCollector,
  schema: unknown,
  where: 'path' | 'query' | 'header',
): ParameterObject[] => {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const converted = schemas.convert(field, 'input');
    const { description, ...fieldSchema } = converted;
    return {
      name,
      in: where,
      required: where === 'path' || !field.safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: fieldSchema,
      // Arrays in the query travel as repeated keys: ?status=a&status=b
      ...(where === 'query' && fieldSchema.type === 'array' ? { style: 'form', explode: true } : {}),
    };
  });
};

const accessNote: Record<RouteMetadata['access'], string> = {
  public: 'Access: public (no token needed).',
  user: 'Access: any signed-in user (Bearer access token).',
  admin: 'Access: administrators only (Bearer access token of an admin).',
};

/** `Payload Too Large` → `PayloadTooLarge`: the name of the shared error response of a status. */
const errorResponseName = (status: number) =>
  (STATUS_CODES[status] ?? `Status${status}`).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string = '') =>
    c.toUpperCase(),
  );

/** What each error code's message typically says, for the examples of the shared error responses. */
const exampleMessages: Partial<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'Validation failed',
  MALFORMED_JSON: 'The body is not valid JSON',
  MALFORMED_REQUEST: 'The request could not be parsed: a header has an invalid character',
  HEADERS_TOO_LARGE: 'The request headers are too large',
  UNAUTHENTICATED: 'Sign in to continue',
  INVALID_CREDENTIALS: 'Wrong email, username or password',
  INVALID_REFRESH_TOKEN: 'The refresh token is invalid or expired',
  INVALID_LINK: 'The link is invalid or has expired',
  EMAIL_NOT_VERIFIED: 'Verify your email address first',
  ACCOUNT_DISABLED: 'This account is deactivated',
  FORBIDDEN: 'You may not do this',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Conflict',
  INVALID_TRANSITION: 'A completed task can only go back to pending',
  PRECONDITION_FAILED: 'The task changed since you read it',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNSUPPORTED_FILE_TYPE: 'This type of file is not accepted',
  QUOTA_EXCEEDED: 'Your storage quota is used up',
  INVALID_SIGNATURE: 'The link is invalid',
  LINK_EXPIRED: 'The link has expired',
  RANGE_NOT_SATISFIABLE: 'The range starts past the end of the file',
  UNSUPPORTED_MEDIA_TYPE: 'Send the body as application/json',
  RATE_LIMITED: 'Too many requests; try again later',
  SERVICE_UNAVAILABLE: 'The service is unavailable; try again later',
  INTERNAL_ERROR: 'Something went wrong',
};

/**
 * The shared error response of a status: the ErrorEnvelope schema, with one example per error code
 * answered with that status.
 */
const errorResponse = (status: number): ResponseObject => {
  const codes = (Object.entries(errorStatus) as Array<[ErrorCode, number]>)
    .filter(([, s]) => s === status)
    .map(([code]) => code);
  const examples: Record<string, ExampleObject> = Object.fromEntries(
    codes.map((code) => {
      const value: ErrorEnvelope = {
        success: false,
        message: exampleMessages[code] ?? code,
        code,
        ...(code === 'VALIDATION_FAILED'
          ? { errors: { title: ['Too small: expected string to have >=3 characters'] } }
          : {}),
      };
      return [code, { summary: code, value }];
    }),
  );
  return {
    description: `${STATUS_CODES[status] ?? status}${codes.length ? `: ${codes.map((c) => `\`${c}\``).join(', ')}` : ''}.`,
    ...(status === 429
      ? {
          headers: {
            'Retry-After': {
              description: 'Seconds to wait before trying again.',
              schema: { type: 'integer', minimum: 1 },
            },
          },
        }
      : {}),
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/ErrorEnvelope' },
        ...(Object.keys(examples).length ? { examples } : {}),
      },
    },
  };
};

// Reads before writes, deletions last: the order the links are listed in, as a client would follow them.
const HTTP_METHODS = ['get', 'put', 'patch', 'post', 'delete'] as const;

/** Where an answer's body carries the id of what it is about, and that id's schema. */
function idInBody(
  response: ResponseObject,
  components: Record<string, SchemaObject>,
): { pointer: string; what: string; schema: SchemaObject } | undefined {
  const deref = (s: unknown): SchemaObject | undefined => {
    const schema = s as (SchemaObject & ReferenceObject) | undefined;
    // 3.0 wraps a `$ref` that has siblings in a one-schema `allOf`.
    if (schema?.allOf?.length === 1 && !schema.properties) return deref(schema.allOf[0]);
    return typeof schema?.$ref === 'string' ? components[schema.$ref.split('/').pop()!] : schema;
  };
  const data = deref(deref(response.content?.['application/json']?.schema)?.properties?.data);
  const id = deref(data?.properties?.id);
  if (id) return { pointer: '/data/id', what: '`data.id`', schema: id };
  const items = deref(data?.properties?.items);
  const itemId = deref(deref(items?.type === 'array' ? items.items : undefined)?.properties?.id);
  if (itemId)
    return { pointer: '/data/items/0/id', what: 'the id of the first item in `data.items`', schema: itemId };
  return undefined;
}

/**
 * OpenAPI links, so that stateful fuzzers and generated clients can chain create → get → update → delete.
 * Found by a rule rather than listed: an answer whose `data` has an `id` (or whose `data.items` do) links to
 * every operation under its collection path (the operation's path without a trailing `/{param}`) that takes
 * exactly one path parameter, of the same schema as the id, and no other required parameter. So
 * `POST /tasks` → `/tasks/{id}` and `/tasks/admin/{id}/delete`, `GET /files` → `/files/{id}/download-link`,
 * and a route added under a collection is linked without a word here; `/files/{id}/content`, which also needs
 * a signature, is not.
 */
function addLinks(paths: Record<string, PathItemObject>, components: Record<string, SchemaObject>) {
  const operations = Object.entries(paths).flatMap(([path, item]) =>
    HTTP_METHODS.flatMap((m) => (item[m] ? [{ path, op: item[m] }] : [])),
  );
  const sameSchema = (a: SchemaObject, b: SchemaObject) =>
    a.type === b.type && a.format === b.format && a.pattern === b.pattern;
  for (const { path, op } of operations) {
    const collection = path.replace(/\/\{\w+\}$/, '');
    const responses = Object.entries(op.responses ?? {}) as Array<[string, ResponseObject | ReferenceObject]>;
    for (const [status, response] of responses) {
      // Errors (the shared `$ref` responses among them) lead nowhere.
      if (!status.startsWith('2') || '$ref' in response) continue;
      const id = idInBody(response, components);
      if (!id) continue;
      const links: Record<string, LinkObject> = {};
      for (const target of operations) {
        if (target.op === op || !target.path.startsWith(`${collection}/`)) continue;
        const params = (target.op.parameters ?? []) as ParameterObject[];
        const inPath = params.filter((p) => p.in === 'path');
        const param = inPath[0];
        if (inPath.length !== 1 || !param || !sameSchema(param.schema as SchemaObject, id.schema)) continue;
        if (params.some((p) => p.in !== 'path' && p.required)) continue;
        links[target.op.operationId!] = {
          operationId: target.op.operationId!,
          parameters: { [param.name]: `$response.body#${id.pointer}` },
          description: `${target.op.summary}: \`${param.name}\` is ${id.what} of this answer.`,
        };
      }
      if (Object.keys(links).length > 0) response.links = links;
    }
  }
}

/** What the document says of the API, wherever it is built (`documents.ts`). */
export const TASKVAULT_API_INFO = {
  title: 'Taskvault API',
  description:
    'Tasks and files with accounts and roles. Every answer is an envelope: `{ success, message, data }` or ' +
    '`{ success: false, message, code, errors? }`.',
} as const;

export type OpenApiInfo = { title: string; version: string; description: string; serverUrl: string };

/**
 * The OpenAPI document of the contract (3.1 unless asked for 3.0): every route, parameter, body and
 * declared response, with examples; error responses are shared components
 * (`#/components/responses/<Status name>`).
 */
export function contractToOpenApi(
  contract: AppRouter,
  info: OpenApiInfo,
  version: OpenApiVersion = '3.1',
): OpenAPIObject {
  const schemas = new SchemaCollector(version);
  const builder = OpenApiBuilder.create()
    .addOpenApiVersion(version === '3.0' ? '3.0.3' : '3.1.0')
    .addInfo({ title: info.title, version: info.version, description: info.description })
    .addServer({ url: info.serverUrl, description: 'This server.' })
    .addSecurityScheme('bearerAuth', {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'The access token from `POST /api/v1/auth/login`.',
    });
  for (const [tag, description] of Object.entries(resources)) builder.addTag({ name: tag, description });
  // The envelope is a component even if no route happened to reference it directly.
  schemas.convert(z.object({ e: ErrorEnvelopeSchema }), 'output');

  const errorResponses = new Map<string, ResponseObject>();
  const responseOf = (
    status: string,
    schema: AppRoute['responses'][number],
  ): ResponseObject | ReferenceObject => {
    if (schema === ErrorEnvelopeSchema) {
      const name = errorResponseName(Number(status));
      if (!errorResponses.has(name)) errorResponses.set(name, errorResponse(Number(status)));
      return { $ref: `#/components/responses/${name}` };
    }
    const description = STATUS_CODES[Number(status)] ?? status;
    if (schema instanceof z.ZodType) {
      const converted = schemas.convert(schema, 'output');
      return {
        description,
        content: { 'application/json': { schema: converted, example: schemas.example(converted) } },
      };
    }
    if (isAppRouteOtherResponse(schema))
      // Bytes, not JSON (file content).
      return {
        description,
        content: { [schema.contentType]: { schema: { type: 'string', format: 'binary' } } },
      };
    return { description };
  };

  const paths: Record<string, PathItemObject> = {};
  for (const { path: keyPath, route } of contractRoutes(contract)) {
    const metadata = route.metadata as RouteMetadata;
    const op: OperationObject = {
      operationId: keyPath.join('.'),
      summary: route.summary,
      description: [
        route.description,
        accessNote[metadata.access],
        metadata.restOnly ? 'REST only (not on tRPC).' : undefined,
      ]
        .filter(Boolean)
        .join('\n\n'),
      tags: [keyPath[0]!],
      security: metadata.access === 'public' ? [] : [{ bearerAuth: [] }],
      parameters: [
        ...parametersOf(schemas, route.pathParams, 'path'),
        ...parametersOf(schemas, 'query' in route ? route.query : undefined, 'query'),
        ...parametersOf(schemas, route.headers, 'header'),
      ],
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, schema]) => [status, responseOf(status, schema)]),
      ),
      ...(route.deprecated ? { deprecated: true } : {}),
    };
    if ('body' in route && route.body instanceof z.ZodType) {
      const contentType = ('contentType' in route && route.contentType) || 'application/json';
      const converted = schemas.convert(route.body, 'input');
      op.requestBody = {
        // A JSON request without a body is read as `{}` (json-body.ts), so a body is required only where `{}`
        // is refused: a logout or a cookie refresh needs none.
        required: !(contentType === 'application/json' && route.body.safeParse({}).success),
        content: { [contentType]: { schema: converted, example: schemas.example(converted, 'required') } },
      };
    }
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase() as 'get'] = op;
  }
  addLinks(paths, schemas.components);
  for (const [path, item] of Object.entries(paths)) builder.addPath(path, item);
  for (const [id, schema] of Object.entries(schemas.components).sort(([a], [b]) => a.localeCompare(b)))
    builder.addSchema(id, schema);
  for (const [name, response] of [...errorResponses].sort(([a], [b]) => a.localeCompare(b)))
    builder.addResponse(name, response);
  return builder.getSpec();
}
