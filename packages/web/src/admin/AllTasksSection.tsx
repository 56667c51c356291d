import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { DataTable } from '../components/DataTable.tsx';
import { Pager } from '../components/Pager.tsx';
import { QueryStatus } from '../components/QueryStatus.tsx';
import { todayUtc } from '../lib/format.ts';
import { useCursorPages } from '../lib/list-state.ts';
import { useApi } from '../session/SessionProvider.tsx';
import { TaskStateCells, TaskTitleCell } from '../tasks/TaskCells.tsx';
import { ADMIN_PAGE_SIZE, allTasksQuery } from './admin-queries.ts';

/** Every user's tasks, newest first. */
export function AllTasksSection({ headingId }: { headingId: string }) {
  const api = useApi();
  const tableId = useId();
  const pages = useCursorPages('all');
  const list = useQuery({ ...allTasksQuery(api, pages.cursor), placeholderData: keepPreviousData });
  const data = list.data;
  const today = todayUtc();

  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>All tasks</h2>
      <QueryStatus query={list} loading="Loading every task…" failure="Could not load the tasks" />
      {data && data.items.length === 0 && (
        <div className="card empty">
          <p>No user has any task yet.</p>
        </div>
      )}
      {data && data.items.length > 0 && (
        <DataTable
          id={tableId}
          caption={`All tasks, page ${pages.pageNumber}`}
          columns={['Title', 'Owner id', 'Status', 'Priority', 'Due date']}
          busy={list.isPlaceholderData}
          scroll
          className="admin-task-table"
        >
          {data.items.map((task) => (
            <tr key={task.id}>
              <TaskTitleCell task={task} />
              <td data-label="Owner id">
                <code className="owner-id">{task.ownerId}</code>
              </td>
              <TaskStateCells task={task} today={today} />
            </tr>
          ))}
        </DataTable>
      )}
      <Pager
        label="Pages of all tasks"
        controls={tableId}
        pageSize={ADMIN_PAGE_SIZE}
        pages={pages}
        list={list}
      />
    </section>
  );
}
