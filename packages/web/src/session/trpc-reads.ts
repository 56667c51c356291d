import type { TokenStore } from '@taskvault/sdk';
import { createTrpcClient, TRPCClientError, type TaskvaultTrpcRouter } from '@taskvault/sdk/trpc';
import { ApiError, NetworkError } from '../lib/api-error.ts';
import type { TrpcReads } from './session.ts';

export type TrpcReadsOptions = {
  baseUrl: string;
  fetch?: typeof globalThis.fetch;
  /** The REST client's store: each batch carries its current access token. */
  tokens: TokenStore;
  /**
   * A batch sent with the access token `sent` was refused as UNAUTHORIZED: true when there is a (new) token
   * to retry with, false when the sign-in is over. Throws when the refresh could not be asked for.
   */
  renewAfter401: (sent: string) => Promise<boolean>;
};

const isAbort = (e: unknown): boolean => e instanceof DOMException && e.name === 'AbortError';

/** A failed tRPC call as the app's REST errors: the REST status and envelope the server put in `data`. */
function asAppError(e: unknown): unknown {
  if (!(e instanceof TRPCClientError)) return e;
  const data = (e as TRPCClientError<TaskvaultTrpcRouter>).data;
  if (data) {
    const { code, message, errors } = data.envelope;
    return new ApiError({ status: data.httpStatus, code, message, errors, body: data.envelope });
  }
  // No answer the link could read: the request never got one, or it was cancelled (a query no longer
  // needed), which must stay an abort.
  return isAbort(e.cause) ? e.cause : new NetworkError(e);
}

const isUnauthorized = (e: unknown): boolean =>
  e instanceof TRPCClientError && (e as TRPCClientError<TaskvaultTrpcRouter>).data?.code === 'UNAUTHORIZED';

/**
 * The session's tRPC client (`@taskvault/sdk/trpc`, batch link) over the REST client's token store. The
 * SDK's tRPC client does not refresh; this does it once per `reads`, through the session's refresh.
 */
export function createTrpcReads(options: TrpcReadsOptions): TrpcReads {
  const client = createTrpcClient({
    baseUrl: options.baseUrl,
    tokens: options.tokens,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return async (reads) => {
    const sent = options.tokens.getAccess();
    try {
      return await reads(client);
    } catch (e) {
      if (!isUnauthorized(e) || sent === null || !(await options.renewAfter401(sent))) throw asAppError(e);
    }
    try {
      return await reads(client);
    } catch (e) {
      throw asAppError(e);
    }
  };
}
