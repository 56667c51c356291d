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
    }),
  })
  .meta({ id: 'Readiness' });
export type Readiness = z.infer<typeof ReadinessSchema>;
