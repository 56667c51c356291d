import { z } from 'zod';
import { PaginationQuerySchema } from '../common/pagination.ts';
import { FileSchema } from '../files/files.schemas.ts';

export const TASK_STATUSES = ['pending', 'in_progress', 'completed', 'cancelled'] as const;
export const TaskStatusSchema = z.enum(TASK_STATUSES).meta({ id: 'TaskStatus' });
export type TaskStatus = z.infer<typeof TaskStatusSchema>;

export const TASK_PRIORITIES = ['low', 'medium', 'high'] as const;
export const TaskPrioritySchema = z.enum(TASK_PRIORITIES).meta({ id: 'TaskPriority' });
export type TaskPriority = z.infer<typeof TaskPrioritySchema>;

/**
 * The status changes a task allows. Anything else is refused with 409 `INVALID_TRANSITION`; clients use
 * this table to offer only the allowed moves.
 */
export const TASK_TRANSITIONS = {
  pending: ['in_progress', 'cancelled', 'completed'],
  in_progress: ['completed', 'pending', 'cancelled'],
  completed: ['pending'],
  cancelled: ['pending'],
} as const satisfies Record<TaskStatus, readonly TaskStatus[]>;

export const canTransition = (from: TaskStatus, to: TaskStatus): boolean =>
  from === to || (TASK_TRANSITIONS[from] as readonly TaskStatus[]).includes(to);

const TitleSchema = z.string().trim().min(3).max(200);
const DescriptionSchema = z.string().max(5000);
/** A calendar date, `YYYY-MM-DD`. */
const DateSchema = z.iso
  .date()
  // PostgreSQL has no year 0 (ISO 0000 is 1 BC): refuse it here rather than fail in the database.
  .refine((d) => d >= '0001-01-01', 'Enter a date from the year 1 on')
  .meta({ description: 'A calendar date, `YYYY-MM-DD`.', examples: ['2026-12-31'] });

/** The task the examples of the OpenAPI document show. */
const exampleTask = {
  id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  title: 'Send the quarterly report',
  description: 'Figures from finance, charts from the dashboard.',
  status: 'in_progress',
  priority: 'high',
  dueDate: '2026-06-30',
  ownerId: '5f0c1a2b-3d4e-4f60-8a7b-9c0d1e2f3a4b',
  createdAt: '2026-06-01T09:30:00.000Z',
  updatedAt: '2026-06-02T14:05:00.000Z',
  completedAt: null,
  version: 3,
};

export const TaskSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string(),
    status: TaskStatusSchema,
    priority: TaskPrioritySchema,
    dueDate: z.iso.date().nullable(),
    ownerId: z.uuid(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
    version: z
      .number()
      .int()
      .min(1)
      .meta({ description: 'Increases on every change; the ETag is `"<version>"`.' }),
  })
  .meta({ id: 'Task', description: 'A task and where it stands.', examples: [exampleTask] });
export type Task = z.infer<typeof TaskSchema>;

/** One task as its own page shows it: with the files attached to it. */
export const TaskDetailSchema = TaskSchema.extend({ files: z.array(FileSchema) }).meta({ id: 'TaskDetail' });
export type TaskDetail = z.infer<typeof TaskDetailSchema>;

export const CreateTaskBodySchema = z
  .strictObject({
    title: TitleSchema,
    description: DescriptionSchema.default(''),
    status: TaskStatusSchema.default('pending'),
    priority: TaskPrioritySchema.default('medium'),
    dueDate: DateSchema.nullable().default(null),
  })
  .meta({
    examples: [
      {
        title: 'Send the quarterly report',
        description: 'Figures from finance, charts from the dashboard.',
        priority: 'high',
        dueDate: '2026-06-30',
      },
    ],
  });
export type CreateTaskBody = z.infer<typeof CreateTaskBodySchema>;

/** PUT: the whole task, every field given. */
export const ReplaceTaskBodySchema = z
  .strictObject({
    title: TitleSchema,
    description: DescriptionSchema,
    status: TaskStatusSchema,
    priority: TaskPrioritySchema,
    dueDate: DateSchema.nullable(),
  })
  .meta({
    examples: [
      {
        title: 'Send the quarterly report',
        description: 'Figures from finance, charts from the dashboard.',
        status: 'in_progress',
        priority: 'high',
        dueDate: '2026-06-30',
      },
    ],
  });
export type ReplaceTaskBody = z.infer<typeof ReplaceTaskBodySchema>;

/** PATCH: only what changes. */
export const UpdateTaskBodySchema = ReplaceTaskBodySchema.partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'Nothing to change' })
  .meta({ examples: [{ status: 'completed' }] });
export type UpdateTaskBody = z.infer<typeof UpdateTaskBodySchema>;

export const TaskIdParamsSchema = z.object({ id: z.uuid() });

export const IfMatchHeadersSchema = z.object({
  'if-match': z.string().max(200).optional().meta({
    description:
      'The ETag you last saw (`"<version>"`); the write is refused with 412 if the task changed since.',
  }),
});

/** One value or several: `?status=pending&status=in_progress` or `?status=pending,in_progress`. */
const oneOrMany = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()))
    .pipe(z.array(z.enum(values)).min(1).max(10));

export const TASK_SORT_FIELDS = ['createdAt', 'updatedAt', 'dueDate', 'priority', 'title'] as const;

export const TaskFiltersSchema = z.object({
  status: oneOrMany(TASK_STATUSES).optional().meta({ description: 'One or several statuses.' }),
  priority: oneOrMany(TASK_PRIORITIES).optional().meta({ description: 'One or several priorities.' }),
  search: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'Case-insensitive, in title and description.' }),
  dueBefore: DateSchema.optional().meta({ description: 'Due on or before this date.' }),
  dueAfter: DateSchema.optional().meta({ description: 'Due on or after this date.' }),
  overdue: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .meta({
      description: '`true`: due before today (UTC) and not completed or cancelled; `false`: the others.',
    }),
  sort: z.enum(TASK_SORT_FIELDS).default('createdAt'),
  order: z.enum(['asc', 'desc']).default('desc'),
});

export const ListTasksQuerySchema = PaginationQuerySchema.extend(TaskFiltersSchema.shape).extend({
  scope: z
    .enum(['mine', 'all'])
    .default('mine')
    .meta({ description: "`all`: every user's tasks (administrators only; 403 otherwise)." }),
});
export type ListTasksQuery = z.infer<typeof ListTasksQuerySchema>;
export const AdminListTasksQuerySchema = PaginationQuerySchema.extend(TaskFiltersSchema.shape);
export type AdminListTasksQuery = z.infer<typeof AdminListTasksQuerySchema>;

export const TaskStatsQuerySchema = z.object({
  scope: z
    .enum(['mine', 'all'])
    .default('mine')
    .meta({ description: "`all`: everyone's tasks (administrators only)." }),
});

const countsOf = <K extends readonly string[]>(keys: K) =>
  z.object(
    Object.fromEntries(keys.map((k) => [k, z.number().int().min(0)])) as { [P in K[number]]: z.ZodNumber },
  );

export const TaskStatsSchema = z
  .object({
    total: z.number().int().min(0),
    byStatus: countsOf(TASK_STATUSES),
    byPriority: countsOf(TASK_PRIORITIES),
    overdue: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Open (pending or in progress) and due before today, UTC.' }),
    dueNext7Days: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Open and due today or in the next 6 days, UTC.' }),
    completedLast7Days: z.number().int().min(0),
  })
  .meta({ id: 'TaskStats' });
export type TaskStats = z.infer<typeof TaskStatsSchema>;
