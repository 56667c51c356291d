import type { ReactNode } from 'react';

/** What a list's row with its own buttons reports to the list. */
export type RowEvents<T> = {
  /** A failure to show in the list's alert. */
  onProblem: (message: string) => void;
  /** A success to show in the list's status message. */
  onNotice: (message: string) => void;
  /** The row's "Delete": the list asks first (`useConfirmedDelete`). */
  onDelete: (item: T) => void;
};

type DataTableProps = {
  id: string;
  /** Read by screen readers only ("Your files, page 2"). */
  caption: ReactNode;
  /** The column headers, left to right. */
  columns: readonly string[];
  /** A last column of per-row buttons, its header read by screen readers only. */
  actions?: boolean;
  /** The previous page, dimmed, while the next one loads. */
  busy: boolean;
  /** Scrolls sideways in its card when too wide (a long email, a select per row). */
  scroll?: boolean;
  /** A class naming the table's own layout ("file-table"). */
  className?: string;
  /** The rows. */
  children: ReactNode;
};

/** A list's page in a card: a table on wide screens, one card per row on phones (`.data-table`). */
export function DataTable({
  id,
  caption,
  columns,
  actions,
  busy,
  scroll,
  className,
  children,
}: DataTableProps) {
  return (
    <div className={scroll ? 'card data-table-card table-scroll' : 'card data-table-card'}>
      <table id={id} className={className ? `data-table ${className}` : 'data-table'} aria-busy={busy}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
