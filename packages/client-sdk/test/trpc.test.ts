import { randomUUID } from 'node:crypto';
import { createClient, memoryTokenStore, type FileMeta } from '@taskvault/sdk';
import {
  createTrpcClient,
  TRPCClientError,
  type TaskvaultTrpcClient,
  type TaskvaultTrpcRouter,
} from '@taskvault/sdk/trpc';
import type { TRPCClient } from '@trpc/client';
import type { inferRouterError, inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
// The server's router type, for the type test only: the SDK's own router type must be the same API.
import type { TrpcRouter } from '../../server/src/app.ts';
import { startTestServer, type TestServer } from '../../server/test/harness.ts';
import { recordingFetch, registerThroughSdk, sdkServerOverrides } from './helpers.ts';

let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer(sdkServerOverrides);
});
afterAll(async () => {
  await srv?.close();
});

describe('@taskvault/sdk/trpc', () => {
  it("its router type, derived from the contract alone, is the server's router as clients see it", () => {
    expectTypeOf<inferRouterInputs<TaskvaultTrpcRouter>>().toEqualTypeOf<inferRouterInputs<TrpcRouter>>();
    expectTypeOf<inferRouterOutputs<TaskvaultTrpcRouter>>().toEqualTypeOf<inferRouterOutputs<TrpcRouter>>();
    expectTypeOf<inferRouterError<TaskvaultTrpcRouter>>().toEqualTypeOf<inferRouterError<TrpcRouter>>();
    expectTypeOf<TaskvaultTrpcClient>().toEqualTypeOf<TRPCClient<TrpcRouter>>();
    expectTypeOf<TaskvaultTrpcClient['files']>().toHaveProperty('list');
    // REST-only routes (multipart upload, byte downloads) are not procedures, in the types as at run time.
    expectTypeOf<TaskvaultTrpcClient['files']>().not.toHaveProperty('upload');
    expectTypeOf<TaskvaultTrpcClient['files']>().not.toHaveProperty('download');
    expectTypeOf<TaskvaultTrpcClient['legacy']>().not.toHaveProperty('upload');
  });

  it('calls a live server; calls in one tick are one HTTP request', async () => {
    const identity = await registerThroughSdk(srv.baseUrl, 'trpc');
    // The REST client signs in; the tRPC client shares its token store.
    const tokens = memoryTokenStore();
    const rest = createClient({ baseUrl: srv.baseUrl, tokens });
    await rest.session.login({ username: identity.username, password: identity.password });
    const recorder = recordingFetch();
    const trpc = createTrpcClient({ baseUrl: `${srv.baseUrl}/`, tokens, fetch: recorder.fetch });

    const health = await trpc.system.health.query();
    expect(health.data.status).toBe('ok');
    expect(recorder.sent).toHaveLength(1);
    expect(recorder.sent[0]!.url.pathname).toBe('/trpc/system.health');

    await trpc.tasks.create.mutate({ body: { title: 'over tRPC', priority: 'high' } });
    recorder.sent.length = 0;
    const [stats, files] = await Promise.all([
      trpc.tasks.stats.query({ query: {} }),
      trpc.files.list.query({ query: {} }),
    ]);
    expect(recorder.sent).toHaveLength(1);
    expect(recorder.sent[0]!.url.pathname).toBe('/trpc/tasks.stats,files.list');
    expect(recorder.sent[0]!.headers.get('authorization')).toBe(`Bearer ${tokens.getAccess()}`);
    expect(stats.data.total).toBe(1);
    expectTypeOf(files.data.items).toEqualTypeOf<FileMeta[]>();
    expect(files.data.items).toEqual([]);
  });

  it("a failed call's error carries the REST status and envelope", async () => {
    const identity = await registerThroughSdk(srv.baseUrl, 'trpc');
    const rest = createClient({ baseUrl: srv.baseUrl });
    const pair = await rest.session.login({ email: identity.email, password: identity.password });
    const trpc = createTrpcClient({ baseUrl: srv.baseUrl, getAccessToken: () => pair.access });

    const error = await trpc.tasks.get.query({ params: { id: randomUUID() } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TRPCClientError);
    const data = (error as TRPCClientError<TaskvaultTrpcRouter>).data!;
    expectTypeOf(data.envelope.code).toEqualTypeOf<
      NonNullable<inferRouterError<TrpcRouter>['data']>['envelope']['code']
    >();
    expect(data).toMatchObject({ httpStatus: 404, envelope: { success: false, code: 'NOT_FOUND' } });

    const anonymous = createTrpcClient({ baseUrl: srv.baseUrl });
    const denied = await anonymous.auth.profile.query().catch((e: TRPCClientError<TaskvaultTrpcRouter>) => e);
    expect(denied.data).toMatchObject({ httpStatus: 401, envelope: { code: 'UNAUTHENTICATED' } });
  });
});
