import { ResendVerificationBodySchema, type TaskvaultClient } from '@taskvault/sdk';
import { useMutation } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { errorMessage, fieldMessages, ok } from '../lib/api-error.ts';
import { useFocusFirstInvalid, validate, type FieldErrorMap } from '../lib/forms.ts';
import { useApi } from '../session/SessionProvider.tsx';
import { ErrorAlert, StatusMessage } from './Alert.tsx';
import { TextField } from './fields.tsx';

const resend = (api: TaskvaultClient, email: string) =>
  ok(api.auth.resendVerification({ body: { email } })).then((res) => res.body.message);

/** 'Send a new link': asks for another verification email. The answer never says whether the address exists. */
export function ResendVerificationForm({ initialEmail = '' }: { initialEmail?: string }) {
  const api = useApi();
  const headingId = useId();
  const form = useRef<HTMLFormElement>(null);
  const [email, setEmail] = useState(initialEmail);
  const [errors, setErrors] = useState<FieldErrorMap | null>(null);
  const mutation = useMutation({
    mutationFn: (address: string) => resend(api, address),
    onError: (e) => setErrors(fieldMessages(e)),
  });
  useFocusFirstInvalid(form, errors);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(ResendVerificationBodySchema, { email });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors(null);
    mutation.mutate(checked.data.email);
  };

  return (
    <section className="subsection" aria-labelledby={headingId}>
      <h2 id={headingId}>Send a new link</h2>
      {mutation.isSuccess ? (
        <StatusMessage>{mutation.data}</StatusMessage>
      ) : (
        <form ref={form} onSubmit={submit} noValidate>
          {mutation.isError && !errors?.email && <ErrorAlert>{errorMessage(mutation.error)}</ErrorAlert>}
          <TextField
            label="Email"
            type="email"
            name="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={errors?.email}
          />
          <button type="submit" disabled={mutation.isPending}>
            Send a new link
          </button>
        </form>
      )}
    </section>
  );
}
