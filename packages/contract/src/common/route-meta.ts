import { z } from 'zod';

/**
 * Who may call a route. Enforced once in the server's transport layer (REST and tRPC alike) and shown in
 * OpenAPI as `security`.
 */
export const AccessSchema = z.enum(['public', 'user', 'admin']);
export type Access = z.infer<typeof AccessSchema>;

export type RouteMetadata = {
  access: Access;
  /** Routes that cannot travel over tRPC (multipart, binary streams). */
  restOnly?: boolean;
};

/** Written as `metadata: routeMeta('user')` so every route states its access level explicitly. */
export const routeMeta = <A extends Access, const E extends Omit<RouteMetadata, 'access'> = {}>(
  access: A,
  // Generic so that `{ restOnly: true }` keeps its literal type: the tRPC router type leaves such routes out.
  extra: E = {} as E,
) => ({ access, ...extra }) as { readonly access: A } & E;
