import { z } from 'zod';

export const HealthSchema = z
  .object({
    status: z.literal('ok'),
    version: z.string().meta({ description: 'Server release.' }),
    uptimeSeconds: z.number().min(0),
  })
  .meta({ id: 'Health', examples: [{ status: 'ok', version: '0.1.0', uptimeSeconds: 3600.5 }] });
export type Health = z.infer<typeof HealthSchema>;

export const DependencyCheckSchema = z.object({
  // Only 'up' is ever sent (a dependency that is down makes readiness answer 503 instead), but 'down' stays
  // in the documented set: removing it would break clients generated from the earlier document.
  status: z.enum(['up', 'down']),
  latencyMs: z.number().min(0),
});

export const ReadinessSchema = z
  .object({
    status: z.literal('ready'),
    checks: z.object({
      database: DependencyCheckSchema.extend({
        pendingMigrations: z.number().int().min(0),
      }),
      redis: DependencyCheckSchema.optional().meta({ description: 'Present when Redis is configured.' }),
      storage: DependencyCheckSchema.meta({ description: 'The file storage: its folder, or the bucket.' }),
    }),
  })
  .meta({
    id: 'Readiness',
    examples: [
      {
        status: 'ready',
        checks: {
          database: { status: 'up', latencyMs: 1.2, pendingMigrations: 0 },
          redis: { status: 'up', latencyMs: 0.4 },
          storage: { status: 'up', latencyMs: 3.1 },
        },
      },
    ],
  });
export type Readiness = z.infer<typeof ReadinessSchema>;
