import { z } from 'zod';
import { PaginationQuerySchema } from '../common/pagination.ts';
import { RoleSchema, UserSchema } from '../auth/auth.schemas.ts';

/** `true` or `false` in the query string, a boolean for the handler. */
const BooleanQuerySchema = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ListUsersQuerySchema = PaginationQuerySchema.extend({
  search: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .meta({ description: 'Part of the email or username, any case.' }),
  role: RoleSchema.optional(),
  verified: BooleanQuerySchema.optional().meta({
    description: 'Only verified (`true`) or unverified (`false`) accounts.',
  }),
  active: BooleanQuerySchema.optional().meta({
    description: 'Only active (`true`) or deactivated (`false`) accounts.',
  }),
});
export type ListUsersQuery = z.infer<typeof ListUsersQuerySchema>;

export const UserIdParamsSchema = z.object({ id: z.uuid() });

export const AdminUpdateUserBodySchema = z
  .strictObject({ role: RoleSchema.optional(), isActive: z.boolean().optional() })
  .refine((b) => b.role !== undefined || b.isActive !== undefined, { message: 'Nothing to change' });
export type AdminUpdateUserBody = z.infer<typeof AdminUpdateUserBodySchema>;

/** A user as administrators see them: with how many tasks they own. */
export const AdminUserSchema = UserSchema.extend({ taskCount: z.number().int().min(0) }).meta({
  id: 'AdminUser',
});
export type AdminUser = z.infer<typeof AdminUserSchema>;
