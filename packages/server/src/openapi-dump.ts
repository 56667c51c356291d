/**
 * Writes the OpenAPI documents (3.1 and its 3.0.3 rendition) to files, built from the contract without
 * starting a server, for the linters (`npm run lint:openapi`) and other tools.
 *
 *   node packages/server/src/openapi-dump.ts [out-dir]   (default: var/openapi)
 */
import { contract } from '@taskvault/contract';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { OpenAPIObject } from 'openapi3-ts/oas31';
import { openApi31To30 } from './transport/openapi-30.ts';
import { contractToOpenApi, TASKVAULT_API_INFO } from './transport/openapi.ts';

/**
 * The documents as app.ts builds them (`info.version` is the server package's version), with a fixed
 * server URL — the only part that differs from one deployment to another — so the output is deterministic.
 */
export function buildOpenApiDocuments(serverUrl = 'http://localhost:3000'): {
  v31: OpenAPIObject;
  v30: ReturnType<typeof openApi31To30>;
} {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const v31 = contractToOpenApi(contract, { ...TASKVAULT_API_INFO, version: pkg.version, serverUrl });
  return { v31, v30: openApi31To30(v31) };
}

/** How the documents are written to files: 2-space JSON with a final newline. */
export const openApiJson = (doc: unknown) => JSON.stringify(doc, null, 2) + '\n';

if (import.meta.main) {
  const outDir = path.resolve(process.argv[2] ?? 'var/openapi');
  const { v31, v30 } = buildOpenApiDocuments();
  mkdirSync(outDir, { recursive: true });
  for (const [name, doc] of [
    ['openapi-3.1.json', v31],
    ['openapi-3.0.json', v30],
  ] as const) {
    writeFileSync(path.join(outDir, name), openApiJson(doc));
    console.log(path.join(outDir, name));
  }
}
