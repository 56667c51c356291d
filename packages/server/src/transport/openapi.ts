import { isAppRoute, isAppRouteOtherResponse, type AppRoute, type AppRouter } from '@ts-rest/core';
import { resources, type RouteMetadata } from '@taskvault/contract';
import { STATUS_CODES } from 'node:http';
import {
  OpenApiBuilder,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type PathItemObject,
  type SchemaObject,
} from 'openapi3-ts/oas31';
import { z } from 'zod';

type Io = 'input' | 'output';
type Json = Record<string, unknown>;

/**
 * Converts zod schemas to JSON Schema 2020-12 (which OpenAPI 3.1 uses as is). Schemas that carry a
 * `.meta({ id })` become shared components and are referenced, so the error envelope, for one, is
 * described once.
 */
class SchemaCollector {
  readonly components: Record<string, SchemaObject> = {};

  convert(schema: unknown, io: Io): SchemaObject {
    if (!(schema instanceof z.ZodType)) return {};
    const {
      $schema: _,
      $defs,
      ...root
    } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Json & {
      $defs?: Record<string, Json>;
    };
    for (const [id, def] of Object.entries($defs ?? {}))
      this.components[id] = rewriteRefs(def) as SchemaObject;
    return rewriteRefs(root) as SchemaObject;
  }
}

const rewriteRefs = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string'
          ? v.replace('#/$defs/', '#/components/schemas/')
          : rewriteRefs(v),
      ]),
    );
  }
  return node;
};

function* walk(router: AppRouter, prefix: string[] = []): Generator<[string[], AppRoute]> {
  for (const [key, node] of Object.entries(router)) {
    if (isAppRoute(node)) yield [[...prefix, key], node];
    else yield* walk(node, [...prefix, key]);
  }
}

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

export type OpenApiInfo = { title: string; version: string; description: string; serverUrl: string };

/** The OpenAPI 3.1 document of the contract: every route, parameter, body and declared response. */
export function contractToOpenApi(contract: AppRouter, info: OpenApiInfo): OpenAPIObject {
  const schemas = new SchemaCollector();
  const builder = OpenApiBuilder.create()
    .addOpenApiVersion('3.1.0')
    .addInfo({ title: info.title, version: info.version, description: info.description })
    .addServer({ url: info.serverUrl })
    .addSecurityScheme('bearerAuth', {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'The access token from `POST /api/v1/auth/login`.',
    });
  for (const [tag, description] of Object.entries(resources)) builder.addTag({ name: tag, description });

  const paths: Record<string, PathItemObject> = {};
  for (const [keyPath, route] of walk(contract)) {
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
        Object.entries(route.responses).map(([status, schema]) => [
          status,
          {
            description: STATUS_CODES[Number(status)] ?? status,
            ...(schema instanceof z.ZodType
              ? { content: { 'application/json': { schema: schemas.convert(schema, 'output') } } }
              : isAppRouteOtherResponse(schema)
                ? // Bytes, not JSON (file content).
                  { content: { [schema.contentType]: { schema: { type: 'string', format: 'binary' } } } }
                : {}),
          },
        ]),
      ),
      ...(route.deprecated ? { deprecated: true } : {}),
    };
    if ('body' in route && route.body instanceof z.ZodType) {
      const contentType = ('contentType' in route && route.contentType) || 'application/json';
      op.requestBody = {
        required: true,
        content: { [contentType]: { schema: schemas.convert(route.body, 'input') } },
      };
    }
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase() as 'get'] = op;
  }
  for (const [path, item] of Object.entries(paths)) builder.addPath(path, item);
  for (const [id, schema] of Object.entries(schemas.components)) builder.addSchema(id, schema);
  return builder.getSpec();
}
