import type { Contract } from '@taskvault/contract';
import { type RequestContext, ok, type RouterHandlers } from '../route-handler.ts';
import type { UsersService } from './users.service.ts';

export const createUsersHandlers = ({
  users,
}: {
  users: (ctx: RequestContext) => UsersService;
}): RouterHandlers<Contract['users']> => ({
  list: async ({ query }, ctx) => ({ status: 200, body: ok('Users', await users(ctx).list(query)) }),
  get: async ({ params }, ctx) => ({ status: 200, body: ok('User', await users(ctx).get(params.id)) }),
  update: async ({ params, body }, ctx) => ({
    status: 200,
    body: ok('User updated', await users(ctx).update(ctx.principal, params.id, body)),
  }),
  remove: async ({ params }, ctx) => {
    await users(ctx).remove(ctx.principal, params.id);
    return { status: 204, body: undefined };
  },
});
