import {
  TASK_PRIORITIES,
  TASK_SORT_FIELDS,
  TASK_STATUSES,
  type Task,
  type TaskPriority,
  type TaskStatus,
} from '@taskvault/sdk';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { CheckboxField, SelectField, TextField, type Option } from '../components/fields.tsx';
import { Loading } from '../components/Loading.tsx';
import { errorMessage } from '../lib/api-error.ts';
import { formatDateTime, formatDay, todayUtc } from '../lib/format.ts';
import { useApi } from '../session/SessionProvider.tsx';
import { NewTaskDialog } from '../tasks/NewTaskDialog.tsx';
import {
  isOverdue,
  PRIORITY_LABELS,
  priorityOptions,
  STATUS_LABELS,
  statusOptions,
} from '../tasks/task-labels.ts';
import { PAGE_SIZE, taskListQuery, type TaskListFilters } from '../tasks/task-queries.ts';

type SortField = (typeof TASK_SORT_FIELDS)[number];
type Order = 'asc' | 'desc';

const SORT_LABELS = {
  createdAt: 'Created',
  updatedAt: 'Updated',
  dueDate: 'Due date',
  priority: 'Priority',
  title: 'Title',
} as const satisfies Record<SortField, string>;
const sortOptions: Option[] = TASK_SORT_FIELDS.map((f) => ({ value: f, label: SORT_LABELS[f] }));
const orderOptions: Option[] = [
  { value: 'desc', label: 'Descending' },
  { value: 'asc', label: 'Ascending' },
];
const ANY: Option = { value: '', label: 'Any' };

const oneOf = <T extends string>(values: readonly T[], value: string | null): T | undefined =>
  values.find((v) => v === value);

/**
 * The filters live in the URL, so a filtered list can be reloaded, bookmarked and shared. The controls read
 * a local copy that changes at once: the URL follows a moment later (a router navigation), and a control
 * bound to the URL alone would flick back to its old value meanwhile.
 */
function useFilters() {
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

  const params = new URLSearchParams(local);
  const filters = {
    status: oneOf<TaskStatus>(TASK_STATUSES, params.get('status')),
    priority: oneOf<TaskPriority>(TASK_PRIORITIES, params.get('priority')),
    overdue: params.get('overdue') === 'true',
    search: params.get('search') ?? '',
    sort: oneOf<SortField>(TASK_SORT_FIELDS, params.get('sort')) ?? 'createdAt',
    order: oneOf<Order>(['asc', 'desc'], params.get('order')) ?? 'desc',
  };
  const apply = (next: URLSearchParams) => {
    const query = next.toString();
    if (query === latest.current) return;
    latest.current = query;
    pushed.current.push(query);
    setLocal(query);
    void setUrlParams(next, { replace: true });
  };
  const update = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(latest.current);
    for (const [key, value] of Object.entries(changes))
      if (value) next.set(key, value);
      else next.delete(key);
    apply(next);
  };
  const active = Boolean(filters.status || filters.priority || filters.overdue || filters.search.trim());
  const clear = () => apply(new URLSearchParams());
  return { filters, update, active, clear };
}

export function TasksPage() {
  const api = useApi();
  const location = useLocation();
  const { filters, update, active, clear } = useFilters();
  const [searchText, setSearchText] = useState(filters.search);
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<{ text: string; task?: Task } | null>(() => {
    const text = (location.state as { notice?: string } | null)?.notice;
    return text ? { text } : null;
  });
  const tableId = useId();

  // Typing in the search box updates the URL once the typing pauses.
  useEffect(() => {
    if (searchText === filters.search) return;
    const timer = setTimeout(() => update({ search: searchText || undefined }), 300);
    return () => clearTimeout(timer);
  }, [searchText, filters.search]);
  // ...and the box follows the URL when it changes otherwise (back button, "Clear filters").
  useEffect(() => setSearchText(filters.search), [filters.search]);

  const query: TaskListFilters = {
    status: filters.status ? [filters.status] : undefined,
    priority: filters.priority ? [filters.priority] : undefined,
    overdue: filters.overdue ? true : undefined,
    search: filters.search.trim() || undefined,
    sort: filters.sort,
    order: filters.order,
  };

  // Cursor pages: the cursors that led to the current page, forgotten when the filters change.
  const filterKey = JSON.stringify(query);
  const [paging, setPaging] = useState<{ key: string; cursors: string[] }>({ key: filterKey, cursors: [] });
  const cursors = paging.key === filterKey ? paging.cursors : [];
  const list = useQuery({ ...taskListQuery(api, query, cursors.at(-1)), placeholderData: keepPreviousData });

  const pageNumber = cursors.length + 1;
  const data = list.data;
  const total = data?.page.total ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const first = (pageNumber - 1) * PAGE_SIZE + 1;
  const nextCursor = data?.page.nextCursor ?? null;
  const canGoBack = cursors.length > 0;
  const canGoOn = nextCursor !== null && !list.isPlaceholderData;

  const goNext = () => {
    if (canGoOn) setPaging({ key: filterKey, cursors: [...cursors, nextCursor] });
  };
  const goBack = () => {
    if (canGoBack) setPaging({ key: filterKey, cursors: cursors.slice(0, -1) });
  };

  const today = todayUtc();

  return (
    <>
      <title>Tasks · Taskvault</title>
      <div className="page-header">
        <h1>Tasks</h1>
        <button type="button" className="button-primary" onClick={() => setCreating(true)}>
          New task
        </button>
      </div>

      {notice && (
        <StatusMessage>
          {notice.text}{' '}
          {notice.task && <Link to={`/tasks/${notice.task.id}`}>Open “{notice.task.title}”</Link>}
        </StatusMessage>
      )}

      <form
        className="filters card"
        role="search"
        aria-label="Filter tasks"
        onSubmit={(e) => {
          e.preventDefault();
          update({ search: searchText || undefined });
        }}
      >
        <TextField
          label="Search"
          type="search"
          name="search"
          value={searchText}
          onChange={(e) => setSearchText(e.target.value)}
          hint="In titles and descriptions."
        />
        <SelectField
          label="Status"
          name="status"
          options={[ANY, ...statusOptions]}
          value={filters.status ?? ''}
          onChange={(e) => update({ status: e.target.value || undefined })}
        />
        <SelectField
          label="Priority"
          name="priority"
          options={[ANY, ...priorityOptions]}
          value={filters.priority ?? ''}
          onChange={(e) => update({ priority: e.target.value || undefined })}
        />
        <SelectField
          label="Sort by"
          name="sort"
          options={sortOptions}
          value={filters.sort}
          onChange={(e) => update({ sort: e.target.value === 'createdAt' ? undefined : e.target.value })}
        />
        <SelectField
          label="Order"
          name="order"
          options={orderOptions}
          value={filters.order}
          onChange={(e) => update({ order: e.target.value === 'desc' ? undefined : e.target.value })}
        />
        <CheckboxField
          label="Overdue only"
          name="overdue"
          checked={filters.overdue}
          onChange={(e) => update({ overdue: e.target.checked ? 'true' : undefined })}
        />
        {active && (
          <button type="button" className="button-quiet" onClick={clear}>
            Clear filters
          </button>
        )}
      </form>

      {list.isPending && <Loading label="Loading tasks…" />}
      {list.isError && (
        <ErrorAlert>
          <p>Could not load the tasks: {errorMessage(list.error)}</p>
          <button type="button" onClick={() => void list.refetch()}>
            Try again
          </button>
        </ErrorAlert>
      )}

      {data && data.items.length === 0 && (
        <div className="card empty">
          {active || canGoBack ? (
            <p>No task matches these filters.</p>
          ) : (
            <p>No tasks yet. Create one with “New task”.</p>
          )}
        </div>
      )}

      {data && data.items.length > 0 && (
        <div className="card table-card">
          <table id={tableId} className="task-table" aria-busy={list.isPlaceholderData}>
            <caption className="visually-hidden">
              Tasks, page {pageNumber} of {pageCount}
            </caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Status</th>
                <th scope="col">Priority</th>
                <th scope="col">Due date</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((task) => (
                <tr key={task.id}>
                  <th scope="row" data-label="Title">
                    <Link to={`/tasks/${task.id}`}>{task.title}</Link>
                  </th>
                  <td data-label="Status">
                    <span className={`badge badge-${task.status}`}>{STATUS_LABELS[task.status]}</span>
                  </td>
                  <td data-label="Priority">
                    <span className={`priority priority-${task.priority}`}>
                      {PRIORITY_LABELS[task.priority]}
                    </span>
                  </td>
                  <td data-label="Due date">
                    {task.dueDate ? formatDay(task.dueDate) : <span className="muted">None</span>}
                    {isOverdue(task, today) && <span className="badge badge-overdue">Overdue</span>}
                  </td>
                  <td data-label="Updated">{formatDateTime(task.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {data && (total > 0 || canGoBack) && (
        <nav className="pagination" aria-label="Pages">
          <button type="button" aria-disabled={!canGoBack} aria-controls={tableId} onClick={goBack}>
            Previous page
          </button>
          <p role="status" aria-live="polite">
            {data.items.length > 0
              ? `${first}–${first + data.items.length - 1} of ${total} · page ${pageNumber} of ${pageCount}`
              : `Page ${pageNumber}`}
          </p>
          <button type="button" aria-disabled={!canGoOn} aria-controls={tableId} onClick={goNext}>
            Next page
          </button>
        </nav>
      )}

      {creating && (
        <NewTaskDialog
          onClose={() => setCreating(false)}
          onCreated={(task) => {
            setCreating(false);
            setNotice({ text: 'Task created.', task });
          }}
        />
      )}
    </>
  );
}
