/**
 * The gate on the published contract, `docs/openapi.json`: integrators generate clients from it, so a
 * breaking change needs a new major version.
 *
 *   node packages/server/src/cli/openapi-check.ts            (npm run openapi:check)
 *   node packages/server/src/cli/openapi-check.ts --publish  (npm run openapi:publish)
 *
 * Check: builds the OpenAPI 3.1 document from the contract (`openapi/documents.ts`), compares it with the
 * committed one and prints every breaking change (kind, where, detail; what counts is described in
 * `openapi/openapi-diff.ts`). Exits 1 when something breaks and the server package's major version
 * (minor, for 0.x) was not raised. Additions pass; if the committed document is merely out of date, it says
 * so without failing.
 *
 * Publish: rewrites `docs/openapi.json` from the contract. It refuses to publish a break without a version
 * bump: publishing would otherwise turn any break into the new baseline, and the gate into nothing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocuments } from '../openapi/documents.ts';
import { gateOf, type Gate } from '../openapi/openapi-diff.ts';
import { openApiJson } from './openapi-dump.ts';

export const PUBLISHED_OPENAPI = fileURLToPath(new URL('../../../../docs/openapi.json', import.meta.url));

const print = (gate: Gate) => {
  for (const b of gate.breaks) console.log(`  ${b.kind}  ${b.where}\n      ${b.detail}`);
};

const publish = process.argv.includes('--publish');
const current = buildOpenApiDocuments().v31;
const text = openApiJson(current);

if (!existsSync(PUBLISHED_OPENAPI)) {
  if (publish) {
    writeFileSync(PUBLISHED_OPENAPI, text);
    console.log(`openapi: published docs/openapi.json (version ${current.info.version})`);
    process.exit(0);
  }
  console.error(`openapi: docs/openapi.json is missing; run npm run openapi:publish and commit it`);
  process.exit(1);
}

const publishedText = readFileSync(PUBLISHED_OPENAPI, 'utf8');
const gate = gateOf(
  JSON.parse(publishedText) as Record<string, unknown>,
  current as unknown as Record<string, unknown>,
);
const versions = `${gate.beforeVersion} (docs/openapi.json) → ${gate.afterVersion} (packages/server/package.json)`;

if (gate.breaks.length > 0) {
  console.log(
    `openapi: ${gate.breaks.length} breaking change(s) against the published contract, ${versions}:`,
  );
  print(gate);
}
if (!gate.pass) {
  console.error(
    '\nopenapi: FAILED. Keep the API compatible (add, do not remove or tighten), or raise the major version of ' +
      '@taskvault/server (the minor version while it is 0.x) and run npm run openapi:publish.',
  );
  process.exit(1);
}
if (gate.breaks.length > 0) console.log(`openapi: allowed, the major version was raised: ${versions}`);

if (publish) {
  if (publishedText === text) console.log('openapi: docs/openapi.json is already up to date');
  else {
    writeFileSync(PUBLISHED_OPENAPI, text);
    console.log(`openapi: published docs/openapi.json (version ${current.info.version})`);
  }
} else if (gate.breaks.length > 0)
  console.log('openapi: run npm run openapi:publish to make this the published contract');
else if (publishedText !== text)
  console.log(
    'openapi: no breaking change; docs/openapi.json is out of date (additions or wording): run npm run openapi:publish',
  );
else console.log('openapi: no breaking change; docs/openapi.json is up to date');
