import { z } from 'zod';
import { ErrorCodeSchema } from './error-codes.ts';

/**
 * Every answer is an envelope: `success`, a human `message` and the `data`, or on failure a machine-readable
 * `code` (clients branch on it) and per-field `errors`.
 * Success: `{ success: true, message, data }`; error: `{ success: false, message, code, errors? }`.
 */
export const successEnvelope = <T extends z.ZodType>(data: T) =>
  z.object({
    success: z.literal(true),
    message: z.string().meta({ description: 'Human-readable summary of what happened.' }),
    data,
  });

export const FieldErrorsSchema = z.record(z.string(), z.array(z.string())).meta({
  id: 'FieldErrors',
  description: 'Per-field messages, keyed by the field (or parameter) name; nested fields use dots.',
  examples: [{ email: ['Invalid email address'], limit: ['Too big: expected number to be <=100'] }],
});
export type FieldErrors = z.infer<typeof FieldErrorsSchema>;

export const ErrorEnvelopeSchema = z
  .object({
    success: z.literal(false),
    message: z.string(),
    code: ErrorCodeSchema,
    errors: FieldErrorsSchema.optional(),
  })
  .meta({
    id: 'ErrorEnvelope',
    description: 'The body of every error response.',
    examples: [
      {
        success: false,
        message: 'Validation failed',
        code: 'VALIDATION_FAILED',
        errors: { title: ['Required'] },
      },
    ],
  });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;

export type SuccessEnvelope<T> = { success: true; message: string; data: T };
