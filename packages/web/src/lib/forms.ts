import { useEffect, type RefObject } from 'react';

export type FieldErrorMap = Record<string, string>;

/** What `validate` needs of a contract schema (a zod schema), without the app depending on zod itself. */
export type Schema<T> = {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
};

/**
 * Checks a form's values with the contract's own schema before sending them, so the user sees the
 * server's rules at once and in the same words. Messages are keyed like the server's `errors`.
 */
export function validate<T>(
  schema: Schema<T>,
  value: unknown,
): { ok: true; data: T } | { ok: false; errors: FieldErrorMap } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrorMap = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || 'form';
    errors[key] = errors[key] ? `${errors[key]} ${issue.message}` : issue.message;
  }
  return { ok: false, errors };
}

/** After a failed submit, puts the keyboard on the first field marked invalid. */
export function useFocusFirstInvalid(form: RefObject<HTMLFormElement | null>, errors: object | null) {
  useEffect(() => {
    if (!errors || Object.keys(errors).length === 0) return;
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [form, errors]);
}

/** Messages for keys no field of the form shows (a form-level rule, an unexpected parameter). */
export const unplacedMessages = (errors: FieldErrorMap | null, fields: readonly string[]): string[] =>
  Object.entries(errors ?? {})
    .filter(([key]) => !fields.includes(key))
    .map(([, message]) => message);
