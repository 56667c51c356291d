import { readFileSync } from 'node:fs';
import newman, { type NewmanRunSummary } from 'newman';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/harness.ts';
import {
  buildPostmanCollection,
  POSTMAN_COLLECTION_FILE,
  renderPostmanCollection,
  type PostmanCollection,
  type PostmanRequest,
} from './postman.ts';

describe('docs/postman_collection.json', () => {
  it('is what `npm run postman` generates from the contract now', async () => {
    const committed = readFileSync(POSTMAN_COLLECTION_FILE, 'utf8');
    // When this fails: `npm run postman` and commit the file.
    expect(committed === (await renderPostmanCollection()), 'stale: run `npm run postman`').toBe(true);
  });
});

/**
 * The sign-in sequence, picked from the full collection by folder and request name and run as it is (the
 * contract's example bodies, the collection's auth, variables and scripts), with the status each must get.
 */
const SEQUENCE: [folder: string, name: string, status: number][] = [
  ['auth', 'Register', 201],
  ['auth', 'Log in', 200],
  ['auth', 'Your profile', 200],
  ['tasks', 'Create a task', 201],
  ['tasks', 'List tasks', 200],
  ['auth', 'Refresh the tokens', 200],
  ['auth', 'Your profile', 200],
  ['auth', 'Refresh the tokens', 200],
];

function pick(collection: PostmanCollection): PostmanCollection {
  const item = SEQUENCE.map(([folder, name], i): PostmanRequest => {
    const found = collection.item.find((f) => f.name === folder)?.item.find((r) => r.name === name);
    if (!found) throw new Error(`no request "${folder}/${name}" in the collection`);
    return { ...found, id: `${found.id}-${i}` };
  });
  return { ...collection, item: item as unknown as PostmanCollection['item'] };
}

const run = (collection: PostmanCollection, baseUrl: string) =>
  new Promise<NewmanRunSummary>((resolve, reject) =>
    newman.run(
      {
        collection: collection as unknown as newman.NewmanRunOptions['collection'],
        envVar: [{ key: 'baseUrl', value: baseUrl }],
        reporters: [],
        timeoutRequest: 10_000,
      },
      (err: Error | null, summary) => {
        if (err) reject(err);
        else resolve(summary);
      },
    ),
  );

describe('the Postman collection with newman against a live server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ REQUIRE_EMAIL_VERIFICATION: 'false' });
  });
  afterAll(async () => server?.close());

  it('registers, logs in, works signed in and refreshes, storing the tokens on the way', async () => {
    const summary = await run(pick(await buildPostmanCollection()), server.baseUrl);
    const executions = summary.run.executions;
    const body = (i: number) =>
      JSON.parse(executions[i]!.response.stream!.toString()) as { data: { access: string; refresh: string } };
    const sent = (i: number, header: string) =>
      executions[i]!.request.headers.get(header) as string | undefined;

    expect(
      executions.map((e) => [e.item.name, e.response.code]),
      executions.map((e) => e.response.stream?.toString()).join('\n'),
    ).toEqual(SEQUENCE.map(([, name, status]) => [name, status]));
    expect(summary.run.failures.map((f) => `${f.source?.name}: ${f.error.message}`)).toEqual([]);
    expect(summary.run.stats.assertions).toMatchObject({ total: 3, failed: 0 }); // login's and refreshes' own tests

    // Login stored the pair: the next calls carry its access token, refresh sends its refresh token.
    const login = body(1);
    expect(sent(2, 'Authorization')).toBe(`Bearer ${login.data.access}`);
    expect(sent(3, 'Authorization')).toBe(`Bearer ${login.data.access}`);
    expect(JSON.parse(executions[5]!.request.body!.raw!)).toEqual({ refresh: login.data.refresh });
    expect(sent(5, 'Authorization')).toBeUndefined(); // a public request: noauth
    // Refresh stored the new pair.
    const refreshed = body(5);
    expect(refreshed.data.access).not.toBe(login.data.access);
    expect(sent(6, 'Authorization')).toBe(`Bearer ${refreshed.data.access}`);
    expect(JSON.parse(executions[7]!.request.body!.raw!)).toEqual({ refresh: refreshed.data.refresh });
  });
});
