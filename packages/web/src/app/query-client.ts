import { QueryClient } from '@tanstack/react-query';
import { isTaskvaultError } from '../lib/api-error.ts';

/** A client error (4xx) will not change by asking again; a network failure or a 5xx might. */
const worthRetrying = (failures: number, error: unknown) =>
  failures < 2 && !(isTaskvaultError(error) && error.status >= 400 && error.status < 500);

export const createQueryClient = () =>
  new QueryClient({
    defaultOptions: {
      queries: { staleTime: 10_000, retry: worthRetrying },
      mutations: { retry: false },
    },
  });
