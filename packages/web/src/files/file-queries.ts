import type { FileType, ListFilesQuery, TaskvaultClient } from '@taskvault/sdk';
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { dashboardKey } from '../dashboard/load-dashboard.ts';
import { ok } from '../lib/api-error.ts';
import { profileKey } from '../profile/profile-queries.ts';
import { taskKeys } from '../tasks/task-queries.ts';

/** The list filters the files page puts in its URL; the cursor is added per page. */
export type FileListFilters = {
  search?: string | undefined;
  type?: FileType | undefined;
  taskId?: string | undefined;
  sort: ListFilesQuery['sort'];
  order: ListFilesQuery['order'];
};

export const fileKeys = {
  all: ['files'] as const,
  lists: () => [...fileKeys.all, 'list'] as const,
  list: (filters: FileListFilters, cursor: string | undefined) =>
    [...fileKeys.lists(), filters, cursor ?? null] as const,
  rules: () => [...fileKeys.all, 'rules'] as const,
};

export const FILE_PAGE_SIZE = 20;

export const fileListQuery = (api: TaskvaultClient, filters: FileListFilters, cursor: string | undefined) =>
  queryOptions({
    queryKey: fileKeys.list(filters, cursor),
    queryFn: async ({ signal }) =>
      (
        await ok(
          api.files.list({
            query: { limit: FILE_PAGE_SIZE, cursor, ...filters },
            fetchOptions: { signal },
          }),
        )
      ).body.data,
  });

/** What the server accepts: it rarely changes, so it is read once per visit. */
export const fileRulesQuery = (api: TaskvaultClient) =>
  queryOptions({
    queryKey: fileKeys.rules(),
    queryFn: async ({ signal }) => (await ok(api.files.rules({ fetchOptions: { signal } }))).body.data,
    staleTime: 5 * 60_000,
  });

export type TaskChoice = { id: string; title: string };

const CHOICE_PAGE = 100;
const CHOICE_PAGES_MAX = 10;

/**
 * The user's tasks to attach a file to, by title. Under the task lists' key, so creating, renaming or
 * deleting a task (which invalidates the lists) refreshes it too. At most 1,000 tasks are offered.
 */
export const taskChoicesQuery = (api: TaskvaultClient) =>
  queryOptions({
    queryKey: [...taskKeys.lists(), 'choices'] as const,
    queryFn: async ({ signal }): Promise<TaskChoice[]> => {
      const choices: TaskChoice[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < CHOICE_PAGES_MAX; page++) {
        const res = await ok(
          api.tasks.list({
            query: { limit: CHOICE_PAGE, cursor, sort: 'title', order: 'asc' },
            fetchOptions: { signal },
          }),
        );
        choices.push(...res.body.data.items.map((t) => ({ id: t.id, title: t.title })));
        cursor = res.body.data.page.nextCursor ?? undefined;
        if (!cursor) break;
      }
      return choices;
    },
  });

/**
 * After an upload, a deletion or an attachment: the file lists, the storage use on the profile, the
 * dashboard's recent files and the attached files shown on task pages are all out of date.
 */
export const invalidateAfterFileChange = (queryClient: QueryClient) =>
  Promise.all([
    queryClient.invalidateQueries({ queryKey: fileKeys.lists() }),
    queryClient.invalidateQueries({ queryKey: profileKey }),
    queryClient.invalidateQueries({ queryKey: dashboardKey }),
    queryClient.invalidateQueries({ queryKey: [...taskKeys.all, 'detail'] }),
  ]);
