import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import type { TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODE_NUMBER, TRPCBuiltRouter } from '@trpc/server';
import type { Contract, ErrorEnvelope, ProceduresOf } from '@taskvault/contract';
import type { AccessTokenSource } from './client.ts';
import type { TokenStore } from './tokens.ts';

export { TRPCClientError } from '@trpc/client';

/**
 * The error shape the server's tRPC transport answers with: tRPC's code and message, and in `data` the REST
 * status and the same error envelope REST would send.
 */
export type TaskvaultTrpcErrorShape = {
  code: TRPC_ERROR_CODE_NUMBER;
  message: string;
  data: { code: TRPC_ERROR_CODE_KEY; httpStatus: number; envelope: ErrorEnvelope };
};

/**
 * The server's tRPC router, as a type derived from the contract alone: GET routes are queries, the others
 * mutations; input is `{ params, query, body }` (the parts a route has), output its 2xx body. Routes that
 * move file content (upload, download) are REST only.
 */
export type TaskvaultTrpcRouter = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: TaskvaultTrpcErrorShape; transformer: false },
  ProceduresOf<Contract>
>;

export type TaskvaultTrpcClient = TRPCClient<TaskvaultTrpcRouter>;

export type TrpcClientOptions = {
  /** Where the server is; calls go to `${baseUrl}/trpc`. */
  baseUrl: string;
  /** A fetch implementation; the platform's by default. */
  fetch?: typeof globalThis.fetch;
} & (
  | {
      /** Asked before each HTTP request (a batch is one). */ getAccessToken?: AccessTokenSource;
      tokens?: never;
    }
  | {
      /** The store a REST client keeps its tokens in: share it to share the sign-in. */ tokens?: TokenStore;
      getAccessToken?: never;
    }
);

/**
 * A tRPC client of the Taskvault server: `client.tasks.list.query({ query: {} })`. Calls made in the same
 * tick travel as one HTTP request. A failed call throws a `TRPCClientError` whose `data.envelope` is the
 * REST error envelope and `data.httpStatus` the REST status.
 */
export function createTrpcClient(options: TrpcClientOptions): TaskvaultTrpcClient {
  const token: AccessTokenSource = options.getAccessToken ?? (() => options.tokens?.getAccess() ?? null);
  return createTRPCClient<TaskvaultTrpcRouter>({
    links: [
      httpBatchLink({
        url: `${options.baseUrl.replace(/\/+$/, '')}/trpc`,
        headers: async () => {
          const t = await token();
          return t ? { authorization: `Bearer ${t}` } : {};
        },
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    ],
  });
}
