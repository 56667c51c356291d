/** The tokens of a sign-in. `refresh` is null when the refresh token lives in an HttpOnly cookie. */
export type StoredTokens = { access: string; refresh: string | null };

/**
 * Where a client keeps its tokens. The client reads the access token before each request, and writes both
 * after a login or a refresh. Implement it over `sessionStorage`, a keychain or a database row to keep a
 * sign-in across restarts; the default keeps them in memory.
 */
export interface TokenStore {
  getAccess(): string | null;
  getRefresh(): string | null;
  set(tokens: StoredTokens): void;
  clear(): void;
}

/** A token store in memory: the sign-in lasts as long as the client. */
export function memoryTokenStore(initial?: StoredTokens): TokenStore {
  let tokens: StoredTokens | null = initial ? { access: initial.access, refresh: initial.refresh } : null;
  return {
    getAccess: () => tokens?.access ?? null,
    getRefresh: () => tokens?.refresh ?? null,
    set: (next) => {
      tokens = { access: next.access, refresh: next.refresh };
    },
    clear: () => {
      tokens = null;
    },
  };
}
