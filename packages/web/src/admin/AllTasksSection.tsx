import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { Link } from 'react-router';
import { ErrorAlert } from '../components/Alert.tsx';
import { Loading } from '../components/Loading.tsx';
import { useCursorPages } from '../files/list-state.ts';
import { Pager } from '../files/Pager.tsx';
import { errorMessage } from '../lib/api-error.ts';
import { formatDay, todayUtc } from '../lib/format.ts';
import { useApi } from '../session/SessionProvider.tsx';
import { isOverdue, PRIORITY_LABELS, STATUS_LABELS } from '../tasks/task-labels.ts';
import { ADMIN_PAGE_SIZE, allTasksQuery } from './admin-queries.ts';

/** Every user's tasks, newest first. */
export function AllTasksSection({ headingId }: { headingId: string }) {
  const api = useApi();
  const tableId = useId();
  const pages = useCursorPages('all');
  const list = useQuery({ ...allTasksQuery(api, pages.cursor), placeholderData: keepPreviousData });
  const data = list.data;
  const nextCursor = data?.page.nextCursor ?? null;
  const today = todayUtc();

  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>All tasks</h2>
      {list.isPending && <Loading label="Loading every task…" />}
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
          <p>No user has any task yet.</p>
        </div>
      )}
      {data && data.items.length > 0 && (
        <div className="card table-card table-scroll">
          <table id={tableId} className="task-table admin-task-table" aria-busy={list.isPlaceholderData}>
            <caption className="visually-hidden">All tasks, page {pages.pageNumber}</caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Owner id</th>
                <th scope="col">Status</th>
                <th scope="col">Priority</th>
                <th scope="col">Due date</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((task) => (
                <tr key={task.id}>
                  <th scope="row" data-label="Title">
                    <Link to={`/tasks/${task.id}`}>{task.title}</Link>
                  </th>
                  <td data-label="Owner id">
                    <code className="owner-id">{task.ownerId}</code>
                  </td>
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
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && (data.page.total > 0 || pages.canGoBack) && (
        <Pager
          label="Pages of all tasks"
          controls={tableId}
          pageNumber={pages.pageNumber}
          pageSize={ADMIN_PAGE_SIZE}
          total={data.page.total}
          shown={data.items.length}
          canGoBack={pages.canGoBack}
          canGoOn={nextCursor !== null && !list.isPlaceholderData}
          onBack={pages.back}
          onNext={() => nextCursor && pages.next(nextCursor)}
        />
      )}
    </section>
  );
}
