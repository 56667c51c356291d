import { DataTable } from '../components/DataTable.tsx';
import { PagedList } from '../components/PagedList.tsx';
import { todayUtc } from '../lib/format.ts';
import { usePagedList } from '../lib/list-state.ts';
import { useApi } from '../session/SessionProvider.tsx';
import { TaskStateCells, TaskTitleCell } from '../tasks/TaskCells.tsx';
import { ADMIN_PAGE_SIZE, allTasksQuery } from './admin-queries.ts';

/** Every user's tasks, newest first. */
export function AllTasksSection({ headingId }: { headingId: string }) {
  const api = useApi();
  const paged = usePagedList('all', (cursor) => allTasksQuery(api, cursor));
  const today = todayUtc();

  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>All tasks</h2>
      <PagedList
        paged={paged}
        loading="Loading every task…"
        failure="Could not load the tasks"
        empty="No user has any task yet."
        pager={{ label: 'Pages of all tasks', pageSize: ADMIN_PAGE_SIZE }}
      >
        {(tasks, tableId) => (
          <DataTable
            id={tableId}
            caption={`All tasks, page ${paged.pages.pageNumber}`}
            columns={['Title', 'Owner id', 'Status', 'Priority', 'Due date']}
            busy={paged.list.isPlaceholderData}
            scroll
            className="admin-task-table"
          >
            {tasks.map((task) => (
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
      </PagedList>
    </section>
  );
}
