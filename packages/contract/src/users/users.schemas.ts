import { z } from 'zod';
import { PaginationQuerySchema } from '../common/pagination.ts';
import { RoleSchema, UserSchema } from '../auth/auth.schemas.ts';

export const ListUsersQuerySchema = PaginationQuerySchema.extend({
  search: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .meta({ description: 'Part of the email or username, any case.' }),
  role: RoleSchema.optional(),
  verified: z.stringbool().optional().meta({ description: '`true` or `false`.' }),
  active: z.stringbool().optional().meta({ description: '`true` or `false`.' }),
});
export type ListUsersQuery = z.infer<typeof ListUsersQuerySchema>;

export const UserIdParamsSchema = z.object({ id: z.uuid() });

export const AdminUpdateUserBodySchema = z
  .strictObject({ role: RoleSchema.optional(), isActive: z.boolean().optional() })
  .refine((b) => b.role !== undefined || b.isActive !== undefined, { message: 'Nothing to change' });
export type AdminUpdateUserBody = z.infer<typeof AdminUpdateUserBodySchema>;

export { UserSchema as AdminUserSchema };
