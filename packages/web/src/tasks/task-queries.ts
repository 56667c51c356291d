import type { ListTasksQuery, TaskDetail, TaskvaultClient } from '@taskvault/sdk';
import { queryOptions } from '@tanstack/react-query';
import { ok } from '../lib/api-error.ts';

/** What a task page edits against: the task as last read and the ETag to send back with a write. */
export type TaskSnapshot = { task: TaskDetail; etag: string };

/** The list filters the tasks page puts in its URL; pagination is added per page. */
export type TaskListFilters = Pick<
  Partial<ListTasksQuery>,
  'status' | 'priority' | 'overdue' | 'search' | 'sort' | 'order'
>;

export const taskKeys = {
  all: ['tasks'] as const,
  lists: () => [...taskKeys.all, 'list'] as const,
  list: (filters: TaskListFilters, cursor: string | undefined) =>
    [...taskKeys.lists(), filters, cursor ?? null] as const,
  detail: (id: string) => [...taskKeys.all, 'detail', id] as const,
};

export const PAGE_SIZE = 20;

export const taskListQuery = (api: TaskvaultClient, filters: TaskListFilters, cursor: string | undefined) =>
  queryOptions({
    queryKey: taskKeys.list(filters, cursor),
    queryFn: async ({ signal }) => {
      const res = await ok(
        api.tasks.list({
          query: {
            limit: PAGE_SIZE,
            cursor,
            sort: filters.sort,
            order: filters.order,
            // One comma-separated value: the client would write an array as `status[0]=…`, which the
            // server's query parser does not read as a list.
            status: filters.status?.join(','),
            priority: filters.priority?.join(','),
            search: filters.search,
            overdue: filters.overdue === undefined ? undefined : filters.overdue ? 'true' : 'false',
          },
          fetchOptions: { signal },
        }),
      );
      return res.body.data;
    },
  });

/** The ETag the server sent, or the one it documents (`"<version>"`) when a proxy dropped the header. */
export const etagOf = (headers: Headers, version: number): string => headers.get('etag') ?? `"${version}"`;

export const taskQuery = (api: TaskvaultClient, id: string) =>
  queryOptions({
    queryKey: taskKeys.detail(id),
    queryFn: async ({ signal }): Promise<TaskSnapshot> => {
      const res = await ok(api.tasks.get({ params: { id }, fetchOptions: { signal } }));
      return { task: res.body.data, etag: etagOf(res.headers, res.body.data.version) };
    },
  });
