import { defineEntity, p } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { TASK_STATUSES } from '@taskvault/contract';
import { User } from '../accounts/user.entity.ts';

/**
 * A task. Priority is stored as its rank (1 low, 2 medium, 3 high) so that ordering by priority is ordering
 * by a plain indexed column. `version` increases on every change: it is the ETag, and MikroORM checks it
 * on every update (optimistic locking).
 */
export const TaskSchema = defineEntity({
  name: 'Task',
  tableName: 'tasks',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    owner: () => p.manyToOne(User).deleteRule('cascade'),
    title: p.string().length(200),
    description: p.text().default(''),
    status: p.enum(TASK_STATUSES).default('pending'),
    priorityRank: p.type('smallint').default(2),
    dueDate: p.type('date').nullable(),
    completedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    version: p.integer().version(),
  },
  // Every list is one owner's tasks (or everyone's, for admins) in one order with the id as tie-break.
  indexes: [
    { properties: ['owner', 'createdAt', 'id'] },
    { properties: ['owner', 'updatedAt', 'id'] },
    { properties: ['owner', 'dueDate', 'id'] },
    { properties: ['owner', 'priorityRank', 'id'] },
    { properties: ['owner', 'title', 'id'] },
    { properties: ['owner', 'status'] },
    { properties: ['createdAt', 'id'] },
    // Due dates descending keep undated tasks last, which no ascending index read backwards gives.
    {
      name: 'tasks_owner_id_due_date_desc_id_index',
      expression:
        'create index "tasks_owner_id_due_date_desc_id_index" on "tasks" ("owner_id", "due_date" desc nulls last, "id" desc)',
    },
  ],
});
export class Task extends TaskSchema.class {}
TaskSchema.setClass(Task);
