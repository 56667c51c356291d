import { useId, type ReactNode } from 'react';
import type { CursorPages } from '../lib/list-state.ts';
import { Pager } from './Pager.tsx';
import { QueryStatus } from './QueryStatus.tsx';

/** What `usePagedList` returns, as the list reads it. */
type Paged<T> = {
  pages: CursorPages;
  list: {
    data?: { items: readonly T[]; page: { total: number; nextCursor?: string | null } } | undefined;
    isPlaceholderData: boolean;
    isPending: boolean;
    isError: boolean;
    error: unknown;
    refetch: () => Promise<unknown>;
  };
};

type PagedListProps<T> = {
  paged: Paged<T>;
  /** What the first load says ("Loading files…") and what a failure starts with ("Could not load the files"). */
  loading: string;
  failure: string;
  /** The empty card's text; `noMatch` instead while `filtered` or past the first page. */
  empty: string;
  noMatch?: string;
  filtered?: boolean;
  /** The pager's landmark name ("Pages of files") and the list's page size. */
  pager: { label: string; pageSize: number };
  /** The page's items as a table whose id is `tableId` (the pager's buttons control it). */
  children: (items: readonly T[], tableId: string) => ReactNode;
};

/** A cursor-paged list's page: its loading and failure, an empty card, the items, the pager. */
export function PagedList<T>(props: PagedListProps<T>) {
  const { paged, loading, failure, empty, noMatch, filtered, pager, children } = props;
  const tableId = useId();
  const { pages, list } = paged;
  const data = list.data;
  const emptyText = noMatch && (filtered || pages.canGoBack) ? noMatch : empty;
  return (
    <>
      <QueryStatus query={list} loading={loading} failure={failure} />
      {data && data.items.length === 0 && (
        <div className="card empty">
          <p>{emptyText}</p>
        </div>
      )}
      {data && data.items.length > 0 && children(data.items, tableId)}
      <Pager label={pager.label} controls={tableId} pageSize={pager.pageSize} pages={pages} list={list} />
    </>
  );
}
