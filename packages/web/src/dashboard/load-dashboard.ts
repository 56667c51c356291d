import type { FileMeta, Task, TaskStats } from '@taskvault/sdk';
import { queryOptions } from '@tanstack/react-query';
import type { TrpcReads } from '../session/session.ts';

export type Dashboard = { stats: TaskStats; recentTasks: Task[]; recentFiles: FileMeta[] };

export const RECENT_COUNT = 5;

/**
 * Everything the dashboard shows: the statistics, the tasks updated last and the files uploaded last. The
 * three reads are made together, so they travel as ONE batched tRPC request (a 401 refreshes the sign-in
 * and sends the batch once more). It is the only place that knows how the dashboard's data is fetched.
 */
export async function loadDashboard(trpc: TrpcReads, signal?: AbortSignal): Promise<Dashboard> {
  const [stats, tasks, files] = await trpc((t) =>
    Promise.all([
      t.tasks.stats.query({ query: {} }, { signal }),
      t.tasks.list.query({ query: { limit: RECENT_COUNT, sort: 'updatedAt', order: 'desc' } }, { signal }),
      t.files.list.query({ query: { limit: RECENT_COUNT, sort: 'createdAt', order: 'desc' } }, { signal }),
    ]),
  );
  return { stats: stats.data, recentTasks: tasks.data.items, recentFiles: files.data.items };
}

export const dashboardKey = ['dashboard'] as const;

export const dashboardQuery = (trpc: TrpcReads) =>
  queryOptions({ queryKey: dashboardKey, queryFn: ({ signal }) => loadDashboard(trpc, signal) });
