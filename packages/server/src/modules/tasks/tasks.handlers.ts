import type { Contract, FileMeta } from '@taskvault/contract';
import { type RequestContext, ok, type RouterHandlers } from '../route-handler.ts';
import { etagOf } from './task-dto.ts';
import type { TasksService } from './tasks.service.ts';

export const createTasksHandlers = ({
  tasks,
  attachedFiles,
}: {
  tasks: (ctx: RequestContext) => TasksService;
  /** A task's own page lists the files attached to it. */
  attachedFiles: (ctx: RequestContext, taskId: string) => Promise<FileMeta[]>;
}): RouterHandlers<Contract['tasks']> => {
  /** Single-task answers carry the version as a strong ETag, for `If-Match` on the next write. */
  const withEtag = <T extends { version: number }>(ctx: RequestContext, task: T): T => {
    ctx.setResponseHeader('ETag', etagOf(task));
    return task;
  };
  return {
    list: async ({ query }, ctx) => ({
      status: 200,
      body: ok('Tasks', await tasks(ctx).list(ctx.principal, query, query.scope)),
    }),
    create: async ({ body }, ctx) => ({
      status: 201,
      body: ok('Task created', withEtag(ctx, await tasks(ctx).create(ctx.principal, body))),
    }),
    stats: async ({ query }, ctx) => ({
      status: 200,
      body: ok('Task statistics', await tasks(ctx).stats(ctx.principal, query.scope)),
    }),
    adminAll: async ({ query }, ctx) => ({
      status: 200,
      body: ok('All tasks', await tasks(ctx).list(ctx.principal, query, 'all')),
    }),
    adminRemove: async ({ params }, ctx) => {
      await tasks(ctx).removeAny(params.id);
      return { status: 204, body: undefined };
    },
    get: async ({ params }, ctx) => {
      const task = withEtag(ctx, await tasks(ctx).get(ctx.principal, params.id));
      return { status: 200, body: ok('Task', { ...task, files: await attachedFiles(ctx, task.id) }) };
    },
    replace: async ({ params, body, headers }, ctx) => ({
      status: 200,
      body: ok(
        'Task replaced',
        withEtag(ctx, await tasks(ctx).update(ctx.principal, params.id, body, headers['if-match'])),
      ),
    }),
    update: async ({ params, body, headers }, ctx) => ({
      status: 200,
      body: ok(
        'Task updated',
        withEtag(ctx, await tasks(ctx).update(ctx.principal, params.id, body, headers['if-match'])),
      ),
    }),
    remove: async ({ params, headers }, ctx) => {
      await tasks(ctx).remove(ctx.principal, params.id, headers['if-match']);
      return { status: 204, body: undefined };
    },
  };
};
