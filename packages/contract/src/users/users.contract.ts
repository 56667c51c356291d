import { initContract } from '@ts-rest/core';
import { authenticated } from '../common/common-responses.ts';
import { ErrorEnvelopeSchema, successEnvelope } from '../common/envelope.ts';
import { pageOf } from '../common/pagination.ts';
import { routeMeta } from '../common/route-meta.ts';
import {
  AdminUpdateUserBodySchema,
  AdminUserSchema,
  ListUsersQuerySchema,
  UserIdParamsSchema,
} from './users.schemas.ts';

const c = initContract();

/** Administration of accounts (admins only), under `/auth/admin/users`. */
export const usersContract = c.router(
  {
    list: {
      method: 'GET',
      path: '',
      query: ListUsersQuerySchema,
      responses: authenticated({ 200: successEnvelope(pageOf(AdminUserSchema)) }),
      summary: 'List users',
      description: 'Newest first; search by email or username, filter by role, verified and active.',
      metadata: routeMeta('admin'),
    },
    get: {
      method: 'GET',
      path: '/:id',
      pathParams: UserIdParamsSchema,
      responses: authenticated({ 200: successEnvelope(AdminUserSchema), 404: ErrorEnvelopeSchema }),
      summary: 'Get a user',
      description: 'One account by id.',
      metadata: routeMeta('admin'),
    },
    update: {
      method: 'PATCH',
      path: '/:id',
      pathParams: UserIdParamsSchema,
      body: AdminUpdateUserBodySchema,
      responses: authenticated({ 200: successEnvelope(AdminUserSchema), 404: ErrorEnvelopeSchema }),
      summary: "Change a user's role or status",
      description:
        'Sets the role and/or activates or deactivates the account; a deactivated or demoted user is signed out ' +
        'everywhere. An admin cannot demote or deactivate themselves (400).',
      metadata: routeMeta('admin'),
    },
    remove: {
      method: 'DELETE',
      path: '/:id',
      pathParams: UserIdParamsSchema,
      body: c.noBody(),
      responses: authenticated({ 204: c.noBody(), 404: ErrorEnvelopeSchema }),
      summary: 'Delete a user',
      description: 'Deletes the account and its sign-ins. An admin cannot delete themselves (400).',
      metadata: routeMeta('admin'),
    },
  },
  { pathPrefix: '/auth/admin/users' },
);
