import {
  canTransition,
  TASK_PRIORITIES,
  TASK_STATUSES,
  type TaskPriority,
  type TaskStatus,
} from '@taskvault/sdk';
import type { Option } from '../components/fields.tsx';

export const STATUS_LABELS = {
  pending: 'Pending',
  in_progress: 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
} as const satisfies Record<TaskStatus, string>;

export const PRIORITY_LABELS = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
} as const satisfies Record<TaskPriority, string>;

export const statusOptions: readonly Option[] = TASK_STATUSES.map((s) => ({
  value: s,
  label: STATUS_LABELS[s],
}));
export const priorityOptions: readonly Option[] = TASK_PRIORITIES.map((p) => ({
  value: p,
  label: PRIORITY_LABELS[p],
}));

/** The statuses a task in `current` may be given (itself and the contract's TASK_TRANSITIONS), in the usual order. */
export const allowedStatuses = (current: TaskStatus): readonly TaskStatus[] =>
  TASK_STATUSES.filter((s) => canTransition(current, s));

/** Colours for charts and badges, one per status and priority (each passes 3:1 against white). */
export const STATUS_TONES = {
  pending: '#8a5a00',
  in_progress: '#1f4fd1',
  completed: '#1a7f37',
  cancelled: '#5f6673',
} as const satisfies Record<TaskStatus, string>;

export const PRIORITY_TONES = {
  low: '#5f6673',
  medium: '#8a5a00',
  high: '#b3261e',
} as const satisfies Record<TaskPriority, string>;

export const isOverdue = (task: { status: TaskStatus; dueDate: string | null }, today: string): boolean =>
  task.dueDate !== null &&
  task.dueDate < today &&
  (task.status === 'pending' || task.status === 'in_progress');
