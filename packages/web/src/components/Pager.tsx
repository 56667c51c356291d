import type { CursorPages } from '../lib/list-state.ts';

/** What a pager reads off a list query: its current page of items and where the list stands. */
type PagedQuery = {
  data?: { items: readonly unknown[]; page: { total: number; nextCursor?: string | null } } | undefined;
  /** Still showing the previous page while the next one loads: no going on from there yet. */
  isPlaceholderData: boolean;
};

type PagerProps = {
  /** The navigation landmark's name; distinct when a page has several lists ("Pages of users"). */
  label: string;
  /** The id of the table the buttons page through. */
  controls: string;
  pageSize: number;
  pages: CursorPages;
  list: PagedQuery;
};

/**
 * "Previous page" / "Next page" around where a cursor-paged list stands. Nothing before the first page has
 * loaded, nor for a list that is empty from its first page.
 */
export function Pager({ label, controls, pageSize, pages, list }: PagerProps) {
  const data = list.data;
  if (!data || (data.page.total === 0 && !pages.canGoBack)) return null;
  const { total } = data.page;
  const nextCursor = data.page.nextCursor ?? null;
  const shown = data.items.length;
  const canGoOn = nextCursor !== null && !list.isPlaceholderData;
  const first = (pages.pageNumber - 1) * pageSize + 1;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  return (
    <nav className="pagination" aria-label={label}>
      <button
        type="button"
        aria-disabled={!pages.canGoBack}
        aria-controls={controls}
        onClick={() => pages.canGoBack && pages.back()}
      >
        Previous page
      </button>
      <p role="status" aria-live="polite">
        {shown > 0
          ? `${first}–${first + shown - 1} of ${total} · page ${pages.pageNumber} of ${pageCount}`
          : `Page ${pages.pageNumber}`}
      </p>
      <button
        type="button"
        aria-disabled={!canGoOn}
        aria-controls={controls}
        onClick={() => canGoOn && pages.next(nextCursor)}
      >
        Next page
      </button>
    </nav>
  );
}
