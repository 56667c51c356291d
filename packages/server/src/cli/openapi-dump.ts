/**
 * Writes the OpenAPI documents (3.1 and its 3.0.3 rendition) to files, built from the contract without
 * starting a server, for the linters (`npm run lint:openapi`) and other tools.
 *
 *   node packages/server/src/cli/openapi-dump.ts [out-dir]   (default: var/openapi)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocuments } from '../openapi/documents.ts';

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
