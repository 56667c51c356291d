import type { Health, Readiness } from '@taskvault/contract';
import type { Orm } from '../../platform/db/orm.ts';
import { pendingMigrations } from '../../platform/db/orm.ts';
import { AppError } from '../../transport/errors.ts';

export type SystemServiceDeps = {
  orm: Orm;
  version: string;
  startedAt: number;
  now?: () => number;
  /** How long the database may take to answer before the instance counts as not ready. */
  readinessTimeoutMs?: number;
};

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(resolve, reject).finally(() => clearTimeout(timer));
  });

export class SystemService {
  readonly #deps: Required<SystemServiceDeps>;

  constructor(deps: SystemServiceDeps) {
    this.#deps = { now: Date.now, readinessTimeoutMs: 2_000, ...deps };
  }

  health(): Health {
    const { version, startedAt, now } = this.#deps;
    return { status: 'ok', version, uptimeSeconds: Math.max(0, Math.round((now() - startedAt) / 1000)) };
  }

  /** Ready when the database answers a real query and no migration is pending. */
  async readiness(): Promise<Readiness> {
    const { orm, now, readinessTimeoutMs } = this.#deps;
    const started = now();
    let pending: number;
    try {
      await withTimeout(orm.em.fork().getConnection().execute('select 1 as ok'), readinessTimeoutMs);
      pending = await withTimeout(pendingMigrations(orm), readinessTimeoutMs);
    } catch {
      throw new AppError('SERVICE_UNAVAILABLE', 'The database is not answering');
    }
    if (pending > 0)
      throw new AppError('SERVICE_UNAVAILABLE', `${pending} database migration(s) not applied yet`);
    return {
      status: 'ready',
      checks: { database: { status: 'up', latencyMs: now() - started, pendingMigrations: 0 } },
    };
  }
}
