import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { fieldMessages } from './api-error.ts';
import {
  unplacedMessages,
  useFocusFirstInvalid,
  validate,
  type FieldErrorMap,
  type Schema,
} from './forms.ts';

type Options<V, T, R> = {
  /** The fields' first values. */
  initial: V | (() => V);
  /** The contract's schema for what the form sends: `submit` checks with it first (without one, `bodyOf` checks). */
  schema?: Schema<T>;
  mutationFn: (body: T) => Promise<R>;
  onSuccess?: (result: R, body: T) => unknown;
  onError?: (error: Error) => void;
  /** The server's field messages keyed by the form's fields; by default as the server keys them. */
  fieldErrors?: (error: Error) => FieldErrorMap;
  /** Called on every edit of a field (a form takes back its "Saved." notice). */
  onEdit?: () => void;
};

/** What a control needs of its field: spread onto a `TextField` or a `SelectField`. */
export type FieldProps<V> = <K extends keyof V & string>(
  name: K,
) => {
  name: K;
  value: V[K];
  onChange: (e: { target: { value: string } }) => void;
  error: string | undefined;
};

/**
 * One form's state: its values, its field messages (the contract's, checked before sending, then the
 * server's), the mutation that sends it, and the keyboard on the first invalid field after a failed submit.
 * `submit(bodyOf)` is the form's submit handler: `bodyOf` turns the values into what is sent, or returns
 * undefined to send nothing (it has said why).
 */
export function useContractForm<V extends { [K in keyof V]: string }, T, R>(options: Options<V, T, R>) {
  const form = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState(options.initial);
  const [errors, setErrors] = useState<FieldErrorMap | null>(null);
  const mutation = useMutation({
    mutationFn: options.mutationFn,
    onSuccess: options.onSuccess,
    onError: (e) => {
      options.onError?.(e);
      setErrors((options.fieldErrors ?? fieldMessages)(e));
    },
  });
  useFocusFirstInvalid(form, errors);

  const send = (body: unknown) => {
    const checked = options.schema ? validate(options.schema, body) : { ok: true as const, data: body as T };
    if (!checked.ok) return setErrors(checked.errors);
    setErrors(null);
    mutation.mutate(checked.data);
  };

  const field: FieldProps<V> = (name) => ({
    name,
    value: values[name],
    // A select offers only the field's own values.
    onChange: (e) => {
      setValues((v) => ({ ...v, [name]: e.target.value }));
      options.onEdit?.();
    },
    error: errors?.[name],
  });

  const hasFieldErrors = Object.keys(errors ?? {}).length > 0;
  return {
    form,
    values,
    setValues,
    field,
    errors,
    setErrors,
    mutation,
    submit:
      (bodyOf: (values: V) => unknown = (v) => v) =>
      (e: FormEvent) => {
        e.preventDefault();
        const body = bodyOf(values);
        if (body !== undefined) send(body);
      },
    hasFieldErrors,
    /** The call failed with no message for a field: the form shows the failure itself. */
    failed: mutation.isError && !hasFieldErrors,
    /** Messages for keys none of `fields` shows (a form-level rule, an unexpected parameter). */
    unplaced: (fields: readonly string[]) => unplacedMessages(errors, fields),
  };
}
