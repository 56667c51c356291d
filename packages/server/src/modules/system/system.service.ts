import type { Health, Readiness } from '@taskvault/contract';
import type { Orm } from '../../platform/db/orm.ts';
import { pendingMigrations } from '../../platform/db/orm.ts';
import { DependencyTimeoutError, withTimeout, type DependencyName } from '../../platform/dependency.ts';
import { AppError } from '../../core/errors.ts';

/** Something readiness asks: resolves when the dependency answers. */
export type Probe = { ping: () => Promise<void> };

export type SystemServiceDeps = {
  orm: Orm;
  /** Redis, when configured (the in-process store needs no check). */
  redis?: Probe | undefined;
  storage: Probe;
  version: string;
  startedAt: number;
  now?: () => number;
  /** How long each dependency may take to answer before the instance counts as not ready. */
  readinessTimeoutMs?: number;
};

export class SystemService {
  readonly #deps: SystemServiceDeps & { now: () => number; readinessTimeoutMs: number };

  constructor(deps: SystemServiceDeps) {
    this.#deps = { now: () => performance.now(), readinessTimeoutMs: 1_000, ...deps };
  }

  health(): Health {
    const { version, startedAt } = this.#deps;
    return { status: 'ok', version, uptimeSeconds: Math.max(0, Math.round((Date.now() - startedAt) / 1000)) };
  }

  /**
   * Ready when every configured dependency answers in time and no migration is pending. The checks run at
   * once, so a frozen dependency costs one timeout, not one per dependency; every failure is named.
   */
  async readiness(): Promise<Readiness> {
    const { orm, redis, storage } = this.#deps;
    let pending = 0;
    const [database, redisCheck, storageCheck] = await Promise.all([
      this.#check('database', async () => {
        await orm.em.fork().getConnection().execute('select 1 as ok');
        pending = await pendingMigrations(orm);
      }),
      redis ? this.#check('redis', () => redis.ping()) : undefined,
      this.#check('storage', () => storage.ping()),
    ]);
    if (typeof database === 'number' && pending > 0) {
      throw new AppError('SERVICE_UNAVAILABLE', 'Not ready: database', {
        errors: { database: [`${pending} migration(s) not applied yet`] },
      });
    }
    if (typeof database === 'number' && typeof storageCheck === 'number' && typeof redisCheck !== 'string') {
      return {
        status: 'ready',
        checks: {
          database: { status: 'up', latencyMs: database, pendingMigrations: 0 },
          ...(redisCheck !== undefined && { redis: { status: 'up' as const, latencyMs: redisCheck } }),
          storage: { status: 'up', latencyMs: storageCheck },
        },
      };
    }
    // A prototype-free record: the keys are ours, but nothing keyed like this should inherit anything.
    const errors = Object.create(null) as Record<string, string[]>;
    if (typeof database === 'string') errors.database = [database];
    if (typeof redisCheck === 'string') errors.redis = [redisCheck];
    if (typeof storageCheck === 'string') errors.storage = [storageCheck];
    throw new AppError('SERVICE_UNAVAILABLE', `Not ready: ${Object.keys(errors).join(', ')}`, { errors });
  }

  /** The latency in milliseconds, or why the dependency failed (without internals: readiness is public). */
  async #check(dependency: DependencyName, probe: () => Promise<void>): Promise<number | string> {
    const { now, readinessTimeoutMs } = this.#deps;
    const started = now();
    try {
      await withTimeout(dependency, 'the readiness check', probe(), readinessTimeoutMs);
      return Math.round((now() - started) * 10) / 10;
    } catch (err) {
      return err instanceof DependencyTimeoutError
        ? `did not answer within ${readinessTimeoutMs} ms`
        : 'refused or failed the check';
    }
  }
}
