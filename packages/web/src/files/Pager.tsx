type PagerProps = {
  /** The navigation landmark's name; distinct when a page has several lists ("Pages of users"). */
  label: string;
  /** The id of the table the buttons page through. */
  controls: string;
  pageNumber: number;
  pageSize: number;
  total: number;
  /** How many items the current page shows. */
  shown: number;
  canGoBack: boolean;
  canGoOn: boolean;
  onBack: () => void;
  onNext: () => void;
};

/** "Previous page" / "Next page" around where the list stands, as on the tasks page. */
export function Pager(p: PagerProps) {
  const first = (p.pageNumber - 1) * p.pageSize + 1;
  const pageCount = Math.max(1, Math.ceil(p.total / p.pageSize));
  return (
    <nav className="pagination" aria-label={p.label}>
      <button
        type="button"
        aria-disabled={!p.canGoBack}
        aria-controls={p.controls}
        onClick={() => p.canGoBack && p.onBack()}
      >
        Previous page
      </button>
      <p role="status" aria-live="polite">
        {p.shown > 0
          ? `${first}–${first + p.shown - 1} of ${p.total} · page ${p.pageNumber} of ${pageCount}`
          : `Page ${p.pageNumber}`}
      </p>
      <button
        type="button"
        aria-disabled={!p.canGoOn}
        aria-controls={p.controls}
        onClick={() => p.canGoOn && p.onNext()}
      >
        Next page
      </button>
    </nav>
  );
}
