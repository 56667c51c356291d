/** The outbound dependencies whose failure the API reports as its own unavailability. */
export type DependencyName = 'database' | 'redis' | 'storage' | 'smtp';

/**
 * A dependency failed, refused, or did not answer in time. Not a bug of ours and not the client's fault:
 * the transports answer 503 SERVICE_UNAVAILABLE with `Retry-After`, and log one warning naming the
 * dependency. Every engine in platform/ turns its own failures into this error (or has them classified by
 * `asDependencyFailure`), so nothing above it needs to know what a broken Redis or pool looks like.
 */
export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError';
  readonly dependency: DependencyName;

  constructor(dependency: DependencyName, reason: string, options: { cause?: unknown } = {}) {
    super(`${dependency} unavailable: ${reason}`, options.cause === undefined ? undefined : options);
    this.dependency = dependency;
  }
}

/** The operation did not settle within its timeout. */
export class DependencyTimeoutError extends DependencyUnavailableError {
  override name = 'DependencyTimeoutError';
}

/**
 * `operation`, or a DependencyTimeoutError once `ms` have passed. The operation itself is not cancelled
 * (a caller that can cancel, such as a socket it can destroy, should): this only stops the waiting.
 */
export function withTimeout<T>(
  dependency: DependencyName,
  what: string,
  operation: Promise<T>,
  ms: number,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new DependencyTimeoutError(dependency, `${what} did not answer within ${ms} ms`)),
      ms,
    );
    timer.unref();
  });
  return Promise.race([operation, timedOut]).finally(() => clearTimeout(timer));
}
