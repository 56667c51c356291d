import { errorMessage } from '../lib/api-error.ts';
import { ErrorAlert } from './Alert.tsx';
import { Loading } from './Loading.tsx';

type Query = { isPending: boolean; isError: boolean; error: unknown; refetch: () => Promise<unknown> };

/**
 * A read's first load and its failure: "Loading …" while there is nothing yet, then, if it failed, an alert
 * with the server's words and a "Try again" button. What it loaded is the caller's to show.
 */
export function QueryStatus({ query, loading, failure }: { query: Query; loading: string; failure: string }) {
  return (
    <>
      {query.isPending && <Loading label={loading} />}
      {query.isError && (
        <ErrorAlert>
          <p>
            {failure}: {errorMessage(query.error)}
          </p>
          <button type="button" onClick={() => void query.refetch()}>
            Try again
          </button>
        </ErrorAlert>
      )}
    </>
  );
}
