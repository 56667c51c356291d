import {
  TASK_PRIORITIES,
  TASK_SORT_FIELDS,
  TASK_STATUSES,
  type Task,
  type TaskPriority,
  type TaskStatus,
} from '@taskvault/sdk';
import { useState } from 'react';
import { Link, useLocation } from 'react-router';
import { StatusMessage } from '../components/Alert.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { CheckboxField, type Option } from '../components/fields.tsx';
import { ANY, FilterForm, FilterSelect, SortFields } from '../components/filter-fields.tsx';
import { PagedList } from '../components/PagedList.tsx';
import { formatDateTime, todayUtc } from '../lib/format.ts';
import { oneOf, ORDERS, usePagedList, useUrlFilters } from '../lib/list-state.ts';
import { useApi } from '../session/SessionProvider.tsx';
import { NewTaskDialog } from '../tasks/NewTaskDialog.tsx';
import { TaskStateCells, TaskTitleCell } from '../tasks/TaskCells.tsx';
import { priorityOptions, statusOptions } from '../tasks/task-labels.ts';
import { PAGE_SIZE, taskListQuery, type TaskListFilters } from '../tasks/task-queries.ts';

type SortField = (typeof TASK_SORT_FIELDS)[number];

const SORT_LABELS = {
  createdAt: 'Created',
  updatedAt: 'Updated',
  dueDate: 'Due date',
  priority: 'Priority',
  title: 'Title',
} as const satisfies Record<SortField, string>;
const sortOptions: Option[] = TASK_SORT_FIELDS.map((f) => ({ value: f, label: SORT_LABELS[f] }));

/** The filters in the URL (see `useUrlFilters`), read as the list's. */
function useTaskFilters() {
  const { params, update, clear } = useUrlFilters();
  const filters = {
    status: oneOf<TaskStatus>(TASK_STATUSES, params.get('status')),
    priority: oneOf<TaskPriority>(TASK_PRIORITIES, params.get('priority')),
    overdue: params.get('overdue') === 'true',
    search: params.get('search') ?? '',
    sort: oneOf<SortField>(TASK_SORT_FIELDS, params.get('sort')) ?? 'createdAt',
    order: oneOf(ORDERS, params.get('order')) ?? 'desc',
  };
  const active = Boolean(filters.status || filters.priority || filters.overdue || filters.search.trim());
  return { filters, update, active, clear: () => clear() };
}

export function TasksPage() {
  const api = useApi();
  const location = useLocation();
  const { filters, update, active, clear } = useTaskFilters();
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<{ text: string; task?: Task } | null>(() => {
    const text = (location.state as { notice?: string } | null)?.notice;
    return text ? { text } : null;
  });

  const query: TaskListFilters = {
    status: filters.status ? [filters.status] : undefined,
    priority: filters.priority ? [filters.priority] : undefined,
    overdue: filters.overdue ? true : undefined,
    search: filters.search.trim() || undefined,
    sort: filters.sort,
    order: filters.order,
  };

  const paged = usePagedList(query, (cursor) => taskListQuery(api, query, cursor));
  const pageCount = Math.max(1, Math.ceil((paged.list.data?.page.total ?? 0) / PAGE_SIZE));

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

      <FilterForm
        label="Filter tasks"
        search={{ label: 'Search', hint: 'In titles and descriptions.', value: filters.search }}
        update={update}
        active={active}
        onClear={clear}
      >
        <FilterSelect label="Status" name="status" options={[ANY, ...statusOptions]} value={filters.status} />
        <FilterSelect
          label="Priority"
          name="priority"
          options={[ANY, ...priorityOptions]}
          value={filters.priority}
        />
        <SortFields options={sortOptions} sort={filters.sort} defaultSort="createdAt" order={filters.order} />
        <CheckboxField
          label="Overdue only"
          name="overdue"
          checked={filters.overdue}
          onChange={(e) => update({ overdue: e.target.checked ? 'true' : undefined })}
        />
      </FilterForm>

      {/* The tasks list's pager keeps its first name, "Pages": the only list on its page. */}
      <PagedList
        paged={paged}
        loading="Loading tasks…"
        failure="Could not load the tasks"
        empty="No tasks yet. Create one with “New task”."
        noMatch="No task matches these filters."
        filtered={active}
        pager={{ label: 'Pages', pageSize: PAGE_SIZE }}
      >
        {(tasks, tableId) => (
          <DataTable
            id={tableId}
            caption={`Tasks, page ${paged.pages.pageNumber} of ${pageCount}`}
            columns={['Title', 'Status', 'Priority', 'Due date', 'Updated']}
            busy={paged.list.isPlaceholderData}
          >
            {tasks.map((task) => (
              <tr key={task.id}>
                <TaskTitleCell task={task} />
                <TaskStateCells task={task} today={today} />
                <td data-label="Updated">{formatDateTime(task.updatedAt)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </PagedList>

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
