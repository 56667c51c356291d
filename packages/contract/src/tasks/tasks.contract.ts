import { initContract } from '@ts-rest/core';
import { authenticated } from '../common/common-responses.ts';
import { ErrorEnvelopeSchema, successEnvelope } from '../common/envelope.ts';
import { pageOf } from '../common/pagination.ts';
import { routeMeta } from '../common/route-meta.ts';
import {
  AdminListTasksQuerySchema,
  CreateTaskBodySchema,
  IfMatchHeadersSchema,
  ListTasksQuerySchema,
  ReplaceTaskBodySchema,
  TaskIdParamsSchema,
  TaskDetailSchema,
  TaskSchema,
  TaskStatsQuerySchema,
  TaskStatsSchema,
  UpdateTaskBodySchema,
} from './tasks.schemas.ts';

const c = initContract();
const Page = successEnvelope(pageOf(TaskSchema));
const One = successEnvelope(TaskSchema);

const listDescription =
  'Filters: `status` and `priority` (one or several), `search` (title and description, any case), `dueBefore`, ' +
  '`dueAfter`, `overdue`. Ordering: `sort` by createdAt, updatedAt, dueDate (tasks without one last), priority ' +
  'or title, `order` asc or desc, ties broken by id so pages are stable. Pages: `limit` and the opaque `cursor` ' +
  'from `page.nextCursor` (or `offset`); `page.total` counts every match.';
const transitions =
  'Status changes follow a rule: pending → in_progress, cancelled or completed; in_progress → completed, pending ' +
  'or cancelled; completed or cancelled → pending. Anything else: 409 `INVALID_TRANSITION` naming the allowed ' +
  'targets.';
const concurrency =
  'Send `If-Match` with the ETag (`"<version>"`) you last saw: if the task changed since, 412 ' +
  '`PRECONDITION_FAILED` and nothing is written. Without it, the write applies.';

export const tasksContract = c.router(
  {
    list: {
      method: 'GET',
      path: '',
      query: ListTasksQuerySchema,
      responses: authenticated({ 200: Page }),
      summary: 'List tasks',
      description: `Your tasks (an administrator may pass \`scope=all\`). ${listDescription}`,
      metadata: routeMeta('user'),
    },
    create: {
      method: 'POST',
      path: '',
      body: CreateTaskBodySchema,
      responses: authenticated({ 201: One }),
      summary: 'Create a task',
      description: 'Creates a task owned by you. The answer carries its ETag.',
      metadata: routeMeta('user'),
    },
    stats: {
      method: 'GET',
      path: '/stats',
      query: TaskStatsQuerySchema,
      responses: authenticated({ 200: successEnvelope(TaskStatsSchema) }),
      summary: 'Task statistics',
      description:
        'Counts by status and priority, overdue, due in the next 7 days, completed in the last 7 days.',
      metadata: routeMeta('user'),
    },
    adminAll: {
      method: 'GET',
      path: '/admin/all',
      query: AdminListTasksQuerySchema,
      responses: authenticated({ 200: Page }),
      summary: 'All tasks (admin)',
      description: `Every user's tasks. ${listDescription}`,
      metadata: routeMeta('admin'),
    },
    adminRemove: {
      method: 'DELETE',
      path: '/admin/:id/delete',
      pathParams: TaskIdParamsSchema,
      body: c.noBody(),
      responses: authenticated({ 204: c.noBody(), 404: ErrorEnvelopeSchema }),
      summary: 'Delete any task (admin)',
      description: 'Deletes a task whoever owns it.',
      metadata: routeMeta('admin'),
    },
    get: {
      method: 'GET',
      path: '/:id',
      pathParams: TaskIdParamsSchema,
      responses: authenticated({ 200: successEnvelope(TaskDetailSchema), 404: ErrorEnvelopeSchema }),
      summary: 'Get a task',
      description:
        "One of your tasks (any task for an administrator), with its ETag and its attached files. Someone else's task: 404.",
      metadata: routeMeta('user'),
    },
    replace: {
      method: 'PUT',
      path: '/:id',
      pathParams: TaskIdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: ReplaceTaskBodySchema,
      responses: authenticated({
        200: One,
        404: ErrorEnvelopeSchema,
        409: ErrorEnvelopeSchema,
        412: ErrorEnvelopeSchema,
      }),
      summary: 'Replace a task',
      description: `Sets every field. ${transitions} ${concurrency}`,
      metadata: routeMeta('user'),
    },
    update: {
      method: 'PATCH',
      path: '/:id',
      pathParams: TaskIdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: UpdateTaskBodySchema,
      responses: authenticated({
        200: One,
        404: ErrorEnvelopeSchema,
        409: ErrorEnvelopeSchema,
        412: ErrorEnvelopeSchema,
      }),
      summary: 'Update a task',
      description: `Sets the fields given. ${transitions} ${concurrency}`,
      metadata: routeMeta('user'),
    },
    remove: {
      method: 'DELETE',
      path: '/:id',
      pathParams: TaskIdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: c.noBody(),
      responses: authenticated({ 204: c.noBody(), 404: ErrorEnvelopeSchema, 412: ErrorEnvelopeSchema }),
      summary: 'Delete a task',
      description: `Deletes one of your tasks (any task for an administrator). ${concurrency}`,
      metadata: routeMeta('user'),
    },
  },
  { pathPrefix: '/tasks' },
);
