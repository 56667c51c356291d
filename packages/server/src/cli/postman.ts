/**
 * Writes the Postman collection (`docs/postman_collection.json`), converted from the OpenAPI 3.0 rendition of
 * the contract with openapi-to-postmanv2, without starting a server:
 *
 *   node packages/server/src/cli/postman.ts [out-file]   (`npm run postman`; default: docs/postman_collection.json)
 *
 * On top of the conversion: collection variables `baseUrl`, `accessToken` and `refreshToken`; bearer
 * `{{accessToken}}` for the whole collection and `noauth` on public requests; login and refresh store the
 * tokens they get; refresh and logout send `{{refreshToken}}`. The output is deterministic (ids derived from
 * the content's place, example values faked from a fixed seed, no timestamps, formatted by prettier), so the
 * committed file changes only when the API does; postman.test.ts fails when it is stale.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { convertV2 } from 'openapi-to-postmanv2';
import { format, resolveConfig } from 'prettier';
import { buildOpenApiDocuments } from '../openapi/documents.ts';

export const POSTMAN_COLLECTION_FILE = path.resolve(
  import.meta.dirname,
  '../../../../docs/postman_collection.json',
);
export const DEFAULT_BASE_URL = 'http://localhost:3000';

type Json = Record<string, unknown>;
type Auth = { type: string; bearer?: { key: string; value: string; type: string }[] };
type Event = { listen: 'test' | 'prerequest'; script: { type: 'text/javascript'; exec: string[] } };
export type PostmanRequest = {
  id: string;
  name: string;
  request: {
    method: string;
    url: { host: string[]; path: string[]; query?: Json[]; variable?: Json[] };
    auth?: Auth | null;
    body?: { mode: string; raw?: string };
    [key: string]: unknown;
  };
  response: { id: string; name: string; code: number; [key: string]: unknown }[];
  event: Event[];
  [key: string]: unknown;
};
export type PostmanFolder = { id?: string; name: string; item: PostmanRequest[]; [key: string]: unknown };
export type PostmanCollection = {
  info: { _postman_id: string; name: string; schema: string; [key: string]: unknown };
  item: PostmanFolder[];
  auth?: Auth;
  event?: Event[];
  variable: { key: string; value: string; type: string; description?: string }[];
  [key: string]: unknown;
};

type OpenApi30 = {
  paths: Record<string, Record<string, { operationId: string; security?: unknown[] }>>;
};

/** The OpenAPI 3.0 document, as `openapi-dump.ts` writes it (server URL: the local default). */
function openApi30(): OpenApi30 {
  return buildOpenApiDocuments(DEFAULT_BASE_URL).v30 as unknown as OpenApi30;
}

/** mulberry32: a small seeded PRNG, so values the converter fakes (parameters without examples) are stable. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The converter's schema faker (the module instance its code uses), for its `random` option. */
const schemaFaker = createRequire(import.meta.url)('openapi-to-postmanv2/assets/json-schema-faker.js') as {
  option: (options: { random: () => number }) => void;
};

async function convert(spec: OpenApi30): Promise<PostmanCollection> {
  // The faker picks values with its `random` option (Math.random unless set), and its regular expression
  // generator with Math.random itself: both seeded for the conversion.
  const random = Math.random;
  Math.random = seededRandom(20240601);
  schemaFaker.option({ random: seededRandom(20240602) });
  try {
    return await new Promise<PostmanCollection>((resolve, reject) =>
      convertV2(
        { type: 'json', data: spec },
        {
          folderStrategy: 'Tags', // a folder per tag: system, auth, users, tasks, files, legacy
          parametersResolution: 'Example', // bodies and parameters from the contract's examples
          requestNameSource: 'Fallback', // the operation's summary
          enableOptionalParameters: false, // optional query parameters listed, but unticked
          alwaysInheritAuthentication: true, // auth is set below, from each operation's security
          includeAuthInfoInExample: false,
        },
        (err, result) => {
          const data = result?.output?.[0]?.data;
          if (err || !result?.result || !data)
            reject(new Error(`openapi-to-postmanv2: ${err?.message ?? result?.reason ?? 'no collection'}`));
          else resolve(data as PostmanCollection);
        },
      ),
    );
  } finally {
    Math.random = random;
    schemaFaker.option({ random });
  }
}

/** A UUID-shaped id that depends only on `key` (the item's place in the collection). */
const stableId = (key: string): string => {
  const h = createHash('sha256').update(`taskvault-postman:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const script = (lines: string[]): Event[] => [
  { listen: 'test', script: { type: 'text/javascript', exec: lines } },
];

/** Stores the pair a successful login or refresh answers with (`{ data: { access, refresh } }`). */
const storeTokens = (what: string): string[] => [
  `pm.test('${what}: 200', () => pm.response.to.have.status(200));`,
  'if (pm.response.code === 200) {',
  '  const json = pm.response.json();',
  "  pm.collectionVariables.set('accessToken', json.data.access);",
  '  // null when the refresh token went in a cookie instead',
  "  if (json.data.refresh) pm.collectionVariables.set('refreshToken', json.data.refresh);",
  '}',
];

const TOKEN_SCRIPTS: Record<string, string[]> = {
  'auth.login': storeTokens('logged in'),
  'legacy.login': storeTokens('logged in'),
  'auth.refresh': storeTokens('refreshed'),
};
/** Requests whose JSON body carries the refresh token. */
const SENDS_REFRESH_TOKEN = new Set(['auth.refresh', 'auth.logout']);

/** `['api', 'v1', 'tasks', ':id']` → `/api/v1/tasks/{id}`. */
const openApiPath = (segments: string[]) =>
  '/' + segments.map((s) => (s.startsWith(':') ? `{${s.slice(1)}}` : s)).join('/');

/** Post-processes the converter's collection; see the file's comment. */
function finish(collection: PostmanCollection, spec: OpenApi30): PostmanCollection {
  collection.info._postman_id = stableId(collection.info.name);
  collection.variable = [
    {
      key: 'baseUrl',
      value: DEFAULT_BASE_URL,
      type: 'string',
      description: 'The server, without a trailing slash.',
    },
    {
      key: 'accessToken',
      value: '',
      type: 'string',
      description: 'Set by "Log in" and "Refresh the tokens"; sent as the bearer token.',
    },
    {
      key: 'refreshToken',
      value: '',
      type: 'string',
      description: 'Set by "Log in" and "Refresh the tokens"; sent by "Refresh the tokens" and "Log out".',
    },
  ];
  collection.auth = { type: 'bearer', bearer: [{ key: 'token', value: '{{accessToken}}', type: 'string' }] };
  delete collection.event;
  for (const folder of collection.item) {
    const folderKey = folder.name;
    folder.id = stableId(folderKey);
    for (const item of folder.item) {
      const { request } = item;
      const operation = spec.paths[openApiPath(request.url.path)]?.[request.method.toLowerCase()];
      if (!operation) throw new Error(`no operation for ${request.method} /${request.url.path.join('/')}`);
      const key = operation.operationId;
      item.id = stableId(key);
      // Signed in: inherit the collection's bearer token. Public: no Authorization header at all.
      if (operation.security?.length) delete request.auth;
      else request.auth = { type: 'noauth' };
      item.event = TOKEN_SCRIPTS[key] ? script(TOKEN_SCRIPTS[key]) : [];
      if (SENDS_REFRESH_TOKEN.has(key) && request.body?.raw) {
        const body = JSON.parse(request.body.raw) as Json;
        request.body.raw = JSON.stringify({ ...body, refresh: '{{refreshToken}}' }, null, 2);
      }
      // The success examples only: every operation shares the error envelope and its generic statuses.
      item.response = item.response
        .filter((r) => r.code >= 200 && r.code < 300)
        .map((r) => ({ ...r, id: stableId(`${key}:${r.code}:${r.name}`) }));
    }
  }
  return collection;
}

/** The collection, built from the contract as it is now. */
export async function buildPostmanCollection(): Promise<PostmanCollection> {
  const spec = openApi30();
  return finish(await convert(spec), spec);
}

/** The collection file's exact text: JSON formatted by prettier with the project's settings. */
export async function renderPostmanCollection(): Promise<string> {
  const collection = await buildPostmanCollection();
  const file = POSTMAN_COLLECTION_FILE;
  return format(JSON.stringify(collection), { ...(await resolveConfig(file)), filepath: file });
}

if (import.meta.main) {
  const file = path.resolve(process.argv[2] ?? POSTMAN_COLLECTION_FILE);
  writeFileSync(file, await renderPostmanCollection());
  console.log(file);
}
