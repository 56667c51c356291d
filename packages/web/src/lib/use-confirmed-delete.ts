import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { DeleteConfirmation } from '../components/ConfirmDeleteDialog.tsx';
import { problemText } from './problem-text.ts';

type Options<T> = {
  remove: (item: T) => Promise<unknown>;
  /** The notice once deleted ("File “a.pdf” deleted."). */
  deleted: (item: T) => string;
  /** The start of the alert when it fails ("Could not delete “a.pdf”"); the reason follows. */
  failed: (item: T) => string;
  /** What to read again after a deletion (the lists, the dashboard). */
  refresh: () => Promise<unknown>;
  /** The list's `useNotices`. */
  say: (message: string) => void;
  complain: (message: string) => void;
};

/**
 * A list's row deletion: a row's "Delete" asks (`ask`), the dialog (`dialog`) confirms or cancels, and the
 * outcome is said in the list's notice or alert.
 */
export function useConfirmedDelete<T>({ remove, deleted, failed, refresh, say, complain }: Options<T>) {
  const [deleting, setDeleting] = useState<T | null>(null);
  const mutation = useMutation({
    mutationFn: remove,
    onSuccess: async (_res, item) => {
      setDeleting(null);
      say(deleted(item));
      await refresh();
    },
    onError: (e, item) => {
      setDeleting(null);
      complain(`${failed(item)}: ${problemText(e)}`);
    },
  });
  return {
    /** The item the dialog asks about, if it is open. */
    deleting,
    ask: (item: T) => {
      mutation.reset();
      setDeleting(item);
    },
    dialog: {
      pending: mutation.isPending,
      onConfirm: () => {
        if (deleting !== null) mutation.mutate(deleting);
      },
      onCancel: () => setDeleting(null),
    } satisfies DeleteConfirmation,
  };
}
