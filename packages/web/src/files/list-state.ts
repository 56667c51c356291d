import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';

/** One of `values`, or undefined for anything else a hand-edited URL may hold. */
export const oneOf = <T extends string>(values: readonly T[], value: string | null): T | undefined =>
  values.find((v) => v === value);

/**
 * A list's filters in the URL, so a filtered list can be reloaded, bookmarked and shared (as on the tasks
 * page). `update` sets or removes (empty value) parameters, replacing the history entry.
 */
export function useUrlFilters() {
  const [params, setParams] = useSearchParams();
  const update = (changes: Record<string, string | undefined>) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(changes))
          if (value) next.set(key, value);
          else next.delete(key);
        return next;
      },
      { replace: true },
    );
  const clear = (keys: readonly string[]) => update(Object.fromEntries(keys.map((k) => [k, undefined])));
  return { params, update, clear };
}

/**
 * A search box that follows the URL: typing updates `commit` once the typing pauses, and the box follows
 * the URL when it changes otherwise (back button, "Clear filters").
 */
export function useDebouncedSearch(committed: string, commit: (value: string) => void) {
  const [text, setText] = useState(committed);
  useEffect(() => {
    if (text === committed) return;
    const timer = setTimeout(() => commit(text), 300);
    return () => clearTimeout(timer);
    // `commit` is a new function on every render: left out, so a render does not restart the timer.
  }, [text, committed]);
  useEffect(() => setText(committed), [committed]);
  return [text, setText] as const;
}

/**
 * Cursor pages: the cursors that led to the current page, forgotten when the filters (`filterKey`) change.
 * `cursor` is the one to ask for now (undefined on the first page).
 */
export function useCursorPages(filterKey: string) {
  const [paging, setPaging] = useState<{ key: string; cursors: string[] }>({ key: filterKey, cursors: [] });
  const cursors = paging.key === filterKey ? paging.cursors : [];
  return {
    cursor: cursors.at(-1),
    pageNumber: cursors.length + 1,
    canGoBack: cursors.length > 0,
    next: (cursor: string) => setPaging({ key: filterKey, cursors: [...cursors, cursor] }),
    back: () => setPaging({ key: filterKey, cursors: cursors.slice(0, -1) }),
  };
}
