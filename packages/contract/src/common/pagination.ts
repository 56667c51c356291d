import { z } from 'zod';

export const PAGE_LIMIT_MAX = 100;
export const PAGE_LIMIT_DEFAULT = 20;

/** Query parameters shared by every list route. `cursor` is opaque; `offset` serves page-number UIs. */
export const PaginationQuerySchema = z.object({
  limit: z.coerce
    .number<number>()
    .int()
    .min(1)
    .max(PAGE_LIMIT_MAX)
    .default(PAGE_LIMIT_DEFAULT)
    .meta({ description: `Page size, 1..${PAGE_LIMIT_MAX}.` }),
  cursor: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .meta({ description: "Opaque cursor from a previous page's `nextCursor`." }),
  offset: z.coerce
    .number<number>()
    .int()
    .min(0)
    .max(1_000_000)
    .optional()
    .meta({ description: 'Skip this many items (ignored when `cursor` is given).' }),
});
export type PaginationQuery = z.infer<typeof PaginationQuerySchema>;

export const PageInfoSchema = z
  .object({
    limit: z.number().int(),
    total: z.number().int().min(0),
    nextCursor: z.string().nullable(),
  })
  .meta({
    id: 'PageInfo',
    description: '`nextCursor` is null on the last page; `total` counts every match.',
    examples: [{ limit: 20, total: 1, nextCursor: null }],
  });
export type PageInfo = z.infer<typeof PageInfoSchema>;

/** `data` of a list response: the items and where the page stands. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), page: PageInfoSchema });
