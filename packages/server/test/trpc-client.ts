import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { TrpcRouter } from '../src/app.ts';

export type TrpcClientOptions = {
  /** Asked before every HTTP request; no `authorization` header when it gives nothing. */
  token?: () => string | null | undefined;
  /** Sent with every HTTP request, after `authorization`. */
  headers?: Record<string, string>;
  /** Called for each HTTP request (a batch of calls is one). */
  onFetch?: () => void;
};

/** A typed tRPC client of the application at `baseUrl`. */
export const trpcClient = (baseUrl: string, options: TrpcClientOptions = {}) =>
  createTRPCClient<TrpcRouter>({
    links: [
      httpBatchLink({
        url: `${baseUrl}/trpc`,
        headers: () => {
          const token = options.token?.();
          return { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers };
        },
        fetch: (url: string | URL | Request, init?: RequestInit) => {
          options.onFetch?.();
          return fetch(url, init);
        },
      }),
    ],
  });

/** The error data of a failed call: the REST status and envelope, typed from the router's error formatter. */
export const failure = async (call: () => Promise<unknown>) => {
  try {
    await call();
  } catch (e) {
    if (e instanceof TRPCClientError) {
      const data = (e as TRPCClientError<TrpcRouter>).data;
      if (data) return data;
    }
    throw e;
  }
  throw new Error('expected the call to fail');
};
