/**
 * The periodic storage sweep: when it runs, that runs never overlap, how failures are logged, and how it
 * stops. The storage is scripted (its sweep takes as long as a test says, or fails) and time is faked;
 * what a sweep removes is tested with the engines themselves (storage.test.ts, consistency.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Orm } from '../../platform/db/orm.ts';
import { DependencyUnavailableError } from '../../platform/dependency.ts';
import { createLogger } from '../../platform/logger.ts';
import { DiskBlobStorage } from '../../platform/storage/disk-storage.ts';
import { startStorageSweeper, type StorageSweeper } from './storage-sweep.ts';

/** A storage whose temporary sweep runs `script`, and which holds no permanent blob. */
class ScriptedStorage extends DiskBlobStorage {
  script: (call: number) => Promise<number> = async () => 0;
  calls = 0;
  listings = 0;
  active = 0;
  maxActive = 0;

  constructor() {
    super({ dir: '/nonexistent/taskvault-sweep-test' });
  }

  override async sweepTemp(): Promise<number> {
    this.calls++;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      return await this.script(this.calls);
    } finally {
      this.active--;
    }
  }

  override listKeys(): AsyncIterable<string> {
    this.listings++;
    return (async function* () {})();
  }
}

const after = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Line = { level: number; msg: string; [key: string]: unknown };

describe('startStorageSweeper', () => {
  let storage: ScriptedStorage;
  let lines: Line[];
  let sweeper: StorageSweeper | undefined;
  // With no permanent blob to look up, the database is never asked.
  const orm = {} as Orm;

  const start = (options: { intervalSeconds: number; stopTimeoutMs?: number }): StorageSweeper => {
    const logger = createLogger('debug', {
      write: (line: string) => void lines.push(JSON.parse(line) as Line),
    });
    sweeper = startStorageSweeper({ storage, orm, logger, graceSeconds: 3600, ...options });
    return sweeper;
  };

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    storage = new ScriptedStorage();
    lines = [];
    sweeper = undefined;
  });
  afterEach(async () => {
    const stopping = sweeper?.stop();
    await vi.runOnlyPendingTimersAsync();
    await stopping;
    vi.useRealTimers();
  });

  it('sweeps at once, then an interval after each sweep has ended: never two at a time', async () => {
    // Each sweep takes two and a half intervals.
    storage.script = async () => {
      await after(2_500);
      return 0;
    };
    start({ intervalSeconds: 1 });
    expect(storage.calls).toBe(1);

    await vi.advanceTimersByTimeAsync(2_500 + 999);
    expect(storage.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(storage.calls).toBe(2);
    await vi.advanceTimersByTimeAsync(3 * 3_500);
    expect(storage.calls).toBe(5);
    expect(storage.maxActive).toBe(1);
  });

  it('runs once when the interval is 0', async () => {
    const { firstRun } = start({ intervalSeconds: 0 });
    expect(await firstRun).toEqual({ temporary: 0, orphaned: 0 });
    await vi.advanceTimersByTimeAsync(24 * 3600 * 1000);
    expect(storage.calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not keep the process alive between sweeps', async () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    start({ intervalSeconds: 60 });
    await vi.advanceTimersByTimeAsync(0);
    const timers = setTimeoutSpy.mock.results.map((r) => r.value as NodeJS.Timeout);
    expect(timers.length).toBeGreaterThan(0);
    for (const timer of timers) expect(timer.hasRef()).toBe(false);
  });

  it('waits no more than about 24.8 days, what setTimeout allows, whatever the interval', async () => {
    start({ intervalSeconds: 365 * 86_400 });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(2 ** 31 - 2);
    expect(storage.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(storage.calls).toBe(2);
  });

  it('logs an unreachable storage as a warning, any other failure as an error, and sweeps again', async () => {
    storage.script = async (call) => {
      if (call === 1)
        throw new DependencyUnavailableError('storage', 'S3 ListObjectsV2 failed: ECONNREFUSED');
      if (call === 2) throw new Error('a bug');
      return 2;
    };
    const { firstRun } = start({ intervalSeconds: 1 });
    expect(await firstRun).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(storage.calls).toBe(3);

    const [warning, error, removed] = lines;
    expect(warning).toMatchObject({
      level: 40,
      dependency: 'storage',
      msg: 'the storage sweep could not reach storage; it runs again in 1 s',
    });
    expect(error).toMatchObject({ level: 50, msg: 'the storage sweep failed; it runs again in 1 s' });
    expect(removed).toMatchObject({
      level: 30,
      temporary: 2,
      orphaned: 0,
      msg: 'removed the leftovers of interrupted uploads from storage',
    });
  });

  it('says when a failed sweep runs again with no interval: at the next start', async () => {
    storage.script = async () => {
      throw new DependencyUnavailableError('storage', 'timed out');
    };
    await start({ intervalSeconds: 0 }).firstRun;
    expect(lines.map((l) => l.msg)).toEqual([
      'the storage sweep could not reach storage; it runs again at the next start',
    ]);
  });

  it('stop() waits for the sweep in progress to end, and no sweep follows', async () => {
    storage.script = async () => {
      await after(300);
      return 0;
    };
    const started = start({ intervalSeconds: 1 });
    let stopped = false;
    const stopping = started.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(299);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(storage.calls).toBe(1);
  });

  it('stop() cuts the sweep short at its next step', async () => {
    storage.script = async () => {
      await after(300);
      return 0;
    };
    const started = start({ intervalSeconds: 1 });
    const stopping = started.stop();
    await vi.advanceTimersByTimeAsync(300);
    await stopping;
    expect(await started.firstRun).toBeUndefined();
    // The orphan sweep, next after the temporary one, never started; nor is the cut logged as a failure.
    expect(storage.listings).toBe(0);
    expect(lines).toEqual([]);
  });

  it('stop() waits no longer than stopTimeoutMs for a sweep that hangs', async () => {
    storage.script = () => new Promise<number>(() => {});
    const started = start({ intervalSeconds: 1, stopTimeoutMs: 1_000 });
    let stopped = false;
    const stopping = started.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(lines).toEqual([]);
  });

  it('stop() between two sweeps cancels the next one', async () => {
    const started = start({ intervalSeconds: 1 });
    await started.firstRun;
    await started.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(storage.calls).toBe(1);
  });
});
