import type { OpenAPIObject as OpenApi30 } from 'openapi3-ts/oas30';
import type { OpenAPIObject as OpenApi31 } from 'openapi3-ts/oas31';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * A JSON Schema 2020-12 schema (OpenAPI 3.1) as an OpenAPI 3.0 Schema Object, for the shapes our
 * contract produces: `type: [X, "null"]` and `anyOf [..., {type: "null"}]` become `nullable`, `const`
 * a one-value `enum`, `examples` one `example`, numeric `exclusiveMinimum`/`exclusiveMaximum` the
 * boolean form, `$ref` with siblings an `allOf` wrapper (3.0 ignores a `$ref`'s siblings), and keywords
 * 3.0 does not know (`contentEncoding`, `contentMediaType`, `propertyNames`, `$comment`) are dropped.
 */
export function schemaTo30(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(schemaTo30);
  if (!isObject(node)) return node;
  const {
    $schema: _s,
    $id: _i,
    $comment: _c,
    contentEncoding: _ce,
    contentMediaType: _cm,
    propertyNames: _p,
    examples,
    const: constValue,
    ...rest
  } = node;
  const out: Json = {};
  for (const [k, v] of Object.entries(rest)) {
    if (k === 'properties' && isObject(v))
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, schemaTo30(s)]));
    else if (k === 'items' || k === 'not' || (k === 'additionalProperties' && isObject(v)))
      out[k] = schemaTo30(v);
    else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf') out[k] = (v as unknown[]).map(schemaTo30);
    else out[k] = v;
  }
  if (Array.isArray(examples) && examples.length > 0) out.example = examples[0];
  if ('const' in node) {
    out.enum = [constValue];
    if (constValue === null) out.nullable = true;
  }
  for (const [bound, plain] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[bound] === 'number') {
      out[plain] = out[bound];
      out[bound] = true;
    }
  }
  // type: ["string", "null"] → type: "string", nullable: true.
  if (Array.isArray(out.type)) {
    const types = (out.type as string[]).filter((t) => t !== 'null');
    if (types.length < (out.type as string[]).length) out.nullable = true;
    if (types.length === 1) out.type = types[0];
    else {
      delete out.type;
      out.anyOf = types.map((type) => ({ type }));
    }
  } else if (out.type === 'null') {
    // 3.0 has no null type, and `nullable` needs a `type`: a string that may only be null.
    Object.assign(out, { type: 'string', nullable: true, enum: [null] });
  }
  // anyOf: [X, {type: null}] (zod's `.nullable()` of a referenced schema) → X, nullable.
  for (const key of ['anyOf', 'oneOf'] as const) {
    const variants = out[key] as Json[] | undefined;
    if (!variants) continue;
    const nonNull = variants.filter(
      (v) => !(v.nullable === true && Array.isArray(v.enum) && v.enum.length === 1 && v.enum[0] === null),
    );
    if (nonNull.length === variants.length) continue;
    out.nullable = true;
    if (nonNull.length === 1) {
      delete out[key];
      const only = nonNull[0]!;
      if (typeof only.$ref === 'string') out.allOf = [only];
      else Object.assign(out, { ...only, ...out, nullable: true });
    } else out[key] = nonNull;
  }
  if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
    const { $ref, ...siblings } = out;
    return { allOf: [{ $ref }], ...siblings };
  }
  return out;
}

/** Applies `schemaTo30` to every schema of a parameter, header or media type map. */
const mediaTo30 = (content: unknown) =>
  isObject(content)
    ? Object.fromEntries(
        Object.entries(content).map(([type, media]) => [
          type,
          isObject(media) && media.schema ? { ...media, schema: schemaTo30(media.schema) } : media,
        ]),
      )
    : content;

const withSchema = (holder: unknown) =>
  isObject(holder)
    ? {
        ...holder,
        ...(holder.schema ? { schema: schemaTo30(holder.schema) } : {}),
        ...(holder.content ? { content: mediaTo30(holder.content) } : {}),
      }
    : holder;

const responseTo30 = (response: unknown) =>
  isObject(response)
    ? {
        ...response,
        ...(response.content ? { content: mediaTo30(response.content) } : {}),
        ...(isObject(response.headers)
          ? {
              headers: Object.fromEntries(
                Object.entries(response.headers).map(([name, h]) => [name, withSchema(h)]),
              ),
            }
          : {}),
      }
    : response;

const mapValues = (o: unknown, f: (v: unknown) => unknown) =>
  isObject(o) ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) : o;

/**
 * The OpenAPI 3.0.3 rendition of our 3.1 document, for tools that do not read 3.1 yet. Written for what
 * `contractToOpenApi` produces (no webhooks, no `pathItems`, license without `identifier`), and checked
 * by a 3.0 schema validator and both linters.
 */
export function openApi31To30(doc: OpenApi31): OpenApi30 {
  // jsonSchemaDialect is 3.1 only (openapi3-ts does not type it).
  const {
    openapi: _v,
    webhooks: _w,
    jsonSchemaDialect: _d,
    paths,
    components,
    ...rest
  } = doc as OpenApi31 & { jsonSchemaDialect?: string };
  const operationTo30 = (op: unknown) =>
    isObject(op)
      ? {
          ...op,
          ...(Array.isArray(op.parameters) ? { parameters: op.parameters.map(withSchema) } : {}),
          ...(isObject(op.requestBody) ? { requestBody: withSchema(op.requestBody) } : {}),
          ...(op.responses ? { responses: mapValues(op.responses, responseTo30) } : {}),
        }
      : op;
  const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
  return {
    openapi: '3.0.3',
    ...rest,
    paths: mapValues(paths, (item) =>
      isObject(item)
        ? Object.fromEntries(
            Object.entries(item).map(([k, v]) => [
              k,
              methods.has(k) ? operationTo30(v) : k === 'parameters' ? (v as unknown[]).map(withSchema) : v,
            ]),
          )
        : item,
    ),
    ...(components
      ? {
          components: {
            ...components,
            ...(components.schemas ? { schemas: mapValues(components.schemas, schemaTo30) } : {}),
            ...(components.responses ? { responses: mapValues(components.responses, responseTo30) } : {}),
            ...(components.parameters ? { parameters: mapValues(components.parameters, withSchema) } : {}),
            ...(components.requestBodies
              ? { requestBodies: mapValues(components.requestBodies, withSchema) }
              : {}),
            ...(components.headers ? { headers: mapValues(components.headers, withSchema) } : {}),
          },
        }
      : {}),
  } as OpenApi30;
}
