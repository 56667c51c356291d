import { performance } from 'node:perf_hooks';

/** One answer the load got: what came back and how long it took. */
export type Answer = {
  op: string;
  status: number;
  ms: number;
  code?: string | undefined;
  retryAfter: string | null;
  /** What a successful write created (its id), to be read back afterwards. */
  created?: string | undefined;
  /** The request never got an HTTP answer (the connection failed). */
  networkError?: string;
};

export type Operation = {
  name: string;
  run: () => Promise<Response>;
  /** The id a 2xx answer created, if this operation writes. */
  createdId?: (body: unknown) => string | undefined;
};

/**
 * A small steady load: `workers` loops, each running the operations in turn until stopped, recording every
 * answer. What outage tests put on a server while they break its dependencies.
 */
export function startLoad(operations: Operation[], workers = 4) {
  const answers: Answer[] = [];
  let running = true;
  const loop = async (offset: number) => {
    for (let i = offset; running; i++) {
      const op = operations[i % operations.length]!;
      const started = performance.now();
      try {
        const res = await op.run();
        const text = await res.text();
        const body = text ? (JSON.parse(text) as { code?: string }) : undefined;
        answers.push({
          op: op.name,
          status: res.status,
          ms: performance.now() - started,
          code: body?.code,
          retryAfter: res.headers.get('retry-after'),
          created: res.ok ? op.createdId?.(body) : undefined,
        });
      } catch (err) {
        answers.push({
          op: op.name,
          status: 0,
          ms: performance.now() - started,
          retryAfter: null,
          networkError: err instanceof Error ? err.message : String(err),
        });
      }
      // A breath between requests: a small load, not a benchmark.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const loops = Array.from({ length: workers }, (_, i) => loop(i));
  return {
    answers,
    /** Answers recorded from index `from` on. */
    since: (from: number) => answers.slice(from),
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return answers;
    },
  };
}
