import { TASK_PRIORITIES, type Task as TaskDto, type TaskPriority } from '@taskvault/contract';
import type { Task } from './task.entity.ts';

/** Ranks are stored (1 low .. 3 high) so ordering by priority is ordering by a column. */
export const priorityRank = (p: TaskPriority): number => TASK_PRIORITIES.indexOf(p) + 1;
export const priorityOf = (rank: number): TaskPriority => TASK_PRIORITIES[rank - 1] ?? 'medium';

export const etagOf = (task: { version: number }) => `"${task.version}"`;

export const toTaskDto = (t: Task): TaskDto => ({
  id: t.id,
  title: t.title,
  description: t.description,
  status: t.status,
  priority: priorityOf(t.priorityRank),
  dueDate: t.dueDate ?? null,
  ownerId: t.owner.id,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
  completedAt: t.completedAt?.toISOString() ?? null,
  version: t.version,
});
