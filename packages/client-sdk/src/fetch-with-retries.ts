/**
 * Reads (GET, HEAD) that failed on the network are sent again after a growing, jittered wait: a flaky
 * connection should not fail a call that is safe to repeat. Writes are never repeated.
 */

/** Whether a failed fetch may be sent again: a network failure (fetch rejects with a TypeError), not an abort. */
const isNetworkError = (error: unknown, signal: AbortSignal | null | undefined): boolean =>
  error instanceof TypeError && !signal?.aborted;

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
const sleep = (ms: number, signal: AbortSignal | null | undefined) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The wait before retry number `attempt` (0-based): 100 ms, 400 ms, 1.6 s, ..., each ±25% at random. */
const backoff = (attempt: number) => 100 * 4 ** attempt * (0.75 + Math.random() / 2);

/** `fetch`, with a GET or HEAD sent again (up to `retries` times, after a backoff) when the network failed. */
export const fetchWithRetries =
  (fetch: typeof globalThis.fetch, retries: number): typeof globalThis.fetch =>
  async (input, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const idempotent = method === 'GET' || method === 'HEAD';
    for (let attempt = 0; ; attempt++) {
      try {
        return await fetch(input, init);
      } catch (error) {
        if (!idempotent || attempt >= retries || !isNetworkError(error, init?.signal)) throw error;
        await sleep(backoff(attempt), init?.signal);
      }
    }
  };
