import type { Task } from '@taskvault/sdk';
import { Link } from 'react-router';
import { formatDay } from '../lib/format.ts';
import { isOverdue, PRIORITY_LABELS, STATUS_LABELS } from './task-labels.ts';

type ListedTask = Pick<Task, 'id' | 'title' | 'status' | 'priority' | 'dueDate'>;

/** A task row's header: its title, linking to the task. */
export function TaskTitleCell({ task }: { task: ListedTask }) {
  return (
    <th scope="row" data-label="Title">
      <Link to={`/tasks/${task.id}`}>{task.title}</Link>
    </th>
  );
}

/** A task row's "Status", "Priority" and "Due date" cells; `today` (UTC) marks the overdue. */
export function TaskStateCells({ task, today }: { task: ListedTask; today: string }) {
  return (
    <>
      <td data-label="Status">
        <span className={`badge badge-${task.status}`}>{STATUS_LABELS[task.status]}</span>
      </td>
      <td data-label="Priority">
        <span className={`priority priority-${task.priority}`}>{PRIORITY_LABELS[task.priority]}</span>
      </td>
      <td data-label="Due date">
        {task.dueDate ? formatDay(task.dueDate) : <span className="muted">None</span>}
        {isOverdue(task, today) && <span className="badge badge-overdue">Overdue</span>}
      </td>
    </>
  );
}
