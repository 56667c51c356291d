import { contract } from '@taskvault/contract';
import type { AppRouter } from '@ts-rest/core';
import { readFileSync } from 'node:fs';
import type { OpenAPIObject as OpenApi30 } from 'openapi3-ts/oas30';
import type { OpenAPIObject } from 'openapi3-ts/oas31';
import { contractToOpenApi, TASKVAULT_API_INFO } from './openapi.ts';

export type OpenApiDocuments = { v31: OpenAPIObject; v30: OpenApi30 };

/** A contract's OpenAPI 3.1 document and its 3.0.3 rendition (for tools that do not read 3.1 yet). */
export function openApiDocuments(
  of: AppRouter,
  { version, serverUrl }: { version: string; serverUrl: string },
): OpenApiDocuments {
  const info = { ...TASKVAULT_API_INFO, version, serverUrl };
  return { v31: contractToOpenApi(of, info), v30: contractToOpenApi(of, info, '3.0') as OpenApi30 };
}

/**
 * The API's documents as the server builds them (`info.version` is the server package's version), with a
 * fixed server URL — the only part that differs from one deployment to another — so that files written from
 * them (the published document, the Postman collection) are deterministic.
 */
export function buildOpenApiDocuments(serverUrl = 'http://localhost:3000'): OpenApiDocuments {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return openApiDocuments(contract, { version: pkg.version, serverUrl });
}
