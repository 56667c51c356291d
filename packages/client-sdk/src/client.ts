import { initClient, type ApiFetcher } from '@ts-rest/core';
import { contract } from '@taskvault/contract';

export type AccessTokenSource = () => string | null | undefined | Promise<string | null | undefined>;

export type ClientOptions = {
  /** Where the server is, e.g. `https://taskvault.example.com` (the `/api/v1` prefix comes from the contract). */
  baseUrl: string;
  /** A fetch implementation; the platform's by default. */
  fetch?: typeof globalThis.fetch;
  /** Called before each request; its token, if any, is sent as `Authorization: Bearer <token>`. */
  getAccessToken?: AccessTokenSource;
};

const readBody = async (res: Response): Promise<unknown> => {
  if (res.status === 204 || res.headers.get('content-length') === '0') return undefined;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) return res.json();
  if (type.startsWith('text/')) return res.text();
  return res.blob();
};

/**
 * A client for every route of the contract. Each call resolves to `{ status, body, headers }` narrowed
 * by status, so `if (res.status === 200) res.body.data` is typed from the contract.
 */
export function createClient(options: ClientOptions) {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const api: ApiFetcher = async ({ path, method, headers, body, fetchOptions }) => {
    const outgoing = new Headers(headers);
    const token = await options.getAccessToken?.();
    if (token && !outgoing.has('authorization')) outgoing.set('authorization', `Bearer ${token}`);
    const res = await doFetch(path, { ...fetchOptions, method, headers: outgoing, body: body ?? null });
    return { status: res.status, body: await readBody(res), headers: res.headers };
  };
  return initClient(contract, { baseUrl: options.baseUrl.replace(/\/+$/, ''), baseHeaders: {}, api });
}

export type TaskvaultClient = ReturnType<typeof createClient>;
