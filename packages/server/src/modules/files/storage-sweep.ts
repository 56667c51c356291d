import type { Orm } from '../../platform/db/orm.ts';
import { DependencyUnavailableError } from '../../platform/dependency.ts';
import type { Logger } from '../../platform/logger.ts';
import { settledWithin } from '../../platform/settled-within.ts';
import { deleteOrphanedBlobs, type BlobStorage } from '../../platform/storage/storage.ts';
import { StoredFile } from './stored-file.entity.ts';

export type SweepResult = { temporary: number; orphaned: number };

type SweepDeps = {
  storage: BlobStorage;
  orm: Orm;
  logger: Logger;
  graceSeconds: number;
};

/**
 * What a crash can leave behind: temporary blobs (and, on S3, unfinished multipart uploads) of uploads
 * that never finished, and promoted blobs whose row never committed. Only leftovers older than
 * `graceSeconds` are touched: younger ones may belong to an upload another instance is running right now.
 * The flip side: an upload that runs for longer than the grace period (1 h by default) can be cut by a
 * sweep, and fails. `signal` stops it between two steps (shutdown), rejecting with the signal's reason.
 */
export async function sweepStorage(
  deps: SweepDeps & { now?: Date; signal?: AbortSignal | undefined },
): Promise<SweepResult> {
  const { signal } = deps;
  const olderThan = new Date((deps.now ?? new Date()).getTime() - deps.graceSeconds * 1000);
  signal?.throwIfAborted();
  const temporary = await deps.storage.sweepTemp(olderThan);
  signal?.throwIfAborted();
  const orphaned = await deleteOrphanedBlobs(deps.storage, {
    olderThan,
    signal,
    known: async (keys) => {
      const rows = await deps.orm.em
        .fork()
        .find(StoredFile, { id: { $in: [...keys] } }, { fields: ['id'], disableIdentityMap: true });
      return rows.map((r) => r.id);
    },
  });
  if (temporary + orphaned > 0)
    deps.logger.info({ temporary, orphaned }, 'removed the leftovers of interrupted uploads from storage');
  return { temporary, orphaned };
}

export type StorageSweeper = {
  /** The outcome of the first sweep (run at once), or undefined when it failed or was stopped. */
  firstRun: Promise<SweepResult | undefined>;
  /**
   * No further sweep; a sweep in progress is told to stop at its next step and waited for up to
   * `stopTimeoutMs`, past which it is left to fail on its own (closing the storage makes it).
   */
  stop(): Promise<void>;
};

/** setTimeout takes at most 2^31-1 ms (about 24.8 days); past that it fires at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Sweeps storage now, then `intervalSeconds` after each sweep ends (0: only now), so that a long-running
 * instance does not keep leftovers until its next restart. Sweeps never overlap, the timer does not keep
 * the process alive, and a failed sweep is logged (an unreachable storage as a warning) and tried again at
 * the next interval.
 */
export function startStorageSweeper(
  deps: SweepDeps & { intervalSeconds: number; stopTimeoutMs?: number },
): StorageSweeper {
  const { logger, intervalSeconds } = deps;
  const stopTimeoutMs = deps.stopTimeoutMs ?? 5_000;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  const next =
    intervalSeconds > 0 ? `it runs again in ${intervalSeconds} s` : 'it runs again at the next start';
  const report = (err: unknown): void => {
    // Stopping cuts a sweep short on purpose: nothing went wrong.
    if (controller.signal.aborted) return;
    if (err instanceof DependencyUnavailableError)
      logger.warn({ err, dependency: err.dependency }, `the storage sweep could not reach storage; ${next}`);
    else logger.error({ err }, `the storage sweep failed; ${next}`);
  };
  const schedule = (): void => {
    if (intervalSeconds === 0 || controller.signal.aborted) return;
    timer = setTimeout(run, Math.min(intervalSeconds * 1000, MAX_DELAY_MS));
    timer.unref();
  };
  const run = (): Promise<SweepResult | undefined> => {
    const sweep = sweepStorage({ ...deps, signal: controller.signal }).catch((err: unknown) => {
      report(err);
      return undefined;
    });
    running = sweep.finally(() => {
      running = undefined;
      schedule();
    });
    return sweep;
  };

  const firstRun = run();
  return {
    firstRun,
    stop: async () => {
      controller.abort(new Error('the storage sweeper was stopped'));
      clearTimeout(timer);
      if (running) await settledWithin(running, stopTimeoutMs);
    },
  };
}
