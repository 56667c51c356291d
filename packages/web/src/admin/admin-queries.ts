import type { Role, TaskvaultClient } from '@taskvault/sdk';
import { queryOptions } from '@tanstack/react-query';
import { ok } from '../lib/api-error.ts';

export type UserFilters = {
  search?: string | undefined;
  role?: Role | undefined;
  verified?: boolean | undefined;
  active?: boolean | undefined;
};

export const adminKeys = {
  all: ['admin'] as const,
  users: () => [...adminKeys.all, 'users'] as const,
  userList: (filters: UserFilters, cursor: string | undefined) =>
    [...adminKeys.users(), filters, cursor ?? null] as const,
  tasks: () => [...adminKeys.all, 'tasks'] as const,
  taskList: (cursor: string | undefined) => [...adminKeys.tasks(), cursor ?? null] as const,
};

export const ADMIN_PAGE_SIZE = 20;

const flag = (value: boolean | undefined) => (value === undefined ? undefined : value ? 'true' : 'false');

export const userListQuery = (api: TaskvaultClient, filters: UserFilters, cursor: string | undefined) =>
  queryOptions({
    queryKey: adminKeys.userList(filters, cursor),
    queryFn: async ({ signal }) =>
      (
        await ok(
          api.users.list({
            query: {
              limit: ADMIN_PAGE_SIZE,
              cursor,
              search: filters.search,
              role: filters.role,
              verified: flag(filters.verified),
              active: flag(filters.active),
            },
            fetchOptions: { signal },
          }),
        )
      ).body.data,
  });

export const allTasksQuery = (api: TaskvaultClient, cursor: string | undefined) =>
  queryOptions({
    queryKey: adminKeys.taskList(cursor),
    queryFn: async ({ signal }) =>
      (await ok(api.tasks.adminAll({ query: { limit: ADMIN_PAGE_SIZE, cursor }, fetchOptions: { signal } })))
        .body.data,
  });
