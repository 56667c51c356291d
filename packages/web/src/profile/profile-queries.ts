import type { TaskvaultClient } from '@taskvault/sdk';
import { queryOptions } from '@tanstack/react-query';
import { ok } from '../lib/api-error.ts';

/** The signed-in user's profile, with their storage use: invalidate it after any change to their files. */
export const profileKey = ['profile'] as const;

export const profileQuery = (api: TaskvaultClient) =>
  queryOptions({
    queryKey: profileKey,
    queryFn: async ({ signal }) => (await ok(api.auth.profile({ fetchOptions: { signal } }))).body.data,
  });
