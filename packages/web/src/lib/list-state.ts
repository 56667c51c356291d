import { keepPreviousData, useQuery, type QueryKey, type UseQueryOptions } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';

/** One of `values`, or undefined for anything else a hand-edited URL may hold. */
export const oneOf = <T extends string>(values: readonly T[], value: string | null): T | undefined =>
  values.find((v) => v === value);

export type Order = 'asc' | 'desc';
export const ORDERS: readonly Order[] = ['asc', 'desc'];

/** Sets or removes (empty value) parameters. */
export type UpdateFilters = (changes: Record<string, string | undefined>) => void;

/**
 * A list's filters live in the URL, so a filtered list can be reloaded, bookmarked and shared. The controls
 * read a local copy (`params`) that changes at once: the URL follows a moment later (a router navigation,
 * replacing the history entry), and a control bound to the URL alone would flick back to its old value
 * meanwhile. `clear` removes the given parameters, or all of them.
 */
export function useUrlFilters() {
  const [urlParams, setUrlParams] = useSearchParams();
  const [local, setLocal] = useState(() => urlParams.toString());
  // What the controls show now, for changes made before the next render (a debounced search).
  const latest = useRef(local);
  // Query strings sent to the URL that it has not shown yet, oldest first.
  const pushed = useRef<string[]>([]);

  const fromUrl = urlParams.toString();
  useEffect(() => {
    const ours = pushed.current.indexOf(fromUrl);
    if (ours >= 0) {
      pushed.current = pushed.current.slice(ours + 1);
      return;
    }
    // Changed from outside (back button, a link to /tasks?overdue=true): follow it.
    pushed.current = [];
    latest.current = fromUrl;
    setLocal(fromUrl);
  }, [fromUrl]);

  const apply = (next: URLSearchParams) => {
    const query = next.toString();
    if (query === latest.current) return;
    latest.current = query;
    pushed.current.push(query);
    setLocal(query);
    void setUrlParams(next, { replace: true });
  };
  const update: UpdateFilters = (changes) => {
    const next = new URLSearchParams(latest.current);
    for (const [key, value] of Object.entries(changes))
      if (value) next.set(key, value);
      else next.delete(key);
    apply(next);
  };
  const clear = (keys?: readonly string[]) =>
    keys ? update(Object.fromEntries(keys.map((k) => [k, undefined]))) : apply(new URLSearchParams());
  return { params: new URLSearchParams(local), update, clear };
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

export type CursorPages = ReturnType<typeof useCursorPages>;

/**
 * A cursor-paged list read with `filters`: back to the first page when they change, and the previous page
 * kept on screen (dimmed, `isPlaceholderData`) while the next one loads.
 */
export function usePagedList<TData, TKey extends QueryKey>(
  filters: unknown,
  query: (cursor: string | undefined) => UseQueryOptions<TData, Error, TData, TKey>,
) {
  const pages = useCursorPages(JSON.stringify(filters));
  const list = useQuery({ ...query(pages.cursor), placeholderData: keepPreviousData });
  return { pages, list };
}
