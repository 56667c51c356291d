import { ResendVerificationBodySchema, type TaskvaultClient } from '@taskvault/sdk';
import { useId } from 'react';
import { errorMessage, ok } from '../lib/api-error.ts';
import { useContractForm } from '../lib/use-contract-form.ts';
import { useApi } from '../session/SessionProvider.tsx';
import { ErrorAlert, StatusMessage } from './Alert.tsx';
import { TextField } from './fields.tsx';

const resend = (api: TaskvaultClient, body: { email: string }) =>
  ok(api.auth.resendVerification({ body })).then((res) => res.body.message);

/** 'Send a new link': asks for another verification email. The answer never says whether the address exists. */
export function ResendVerificationForm({ initialEmail = '' }: { initialEmail?: string }) {
  const api = useApi();
  const headingId = useId();
  const { form, field, errors, mutation, submit } = useContractForm({
    initial: { email: initialEmail },
    schema: ResendVerificationBodySchema,
    mutationFn: (body) => resend(api, body),
  });

  return (
    <section className="subsection" aria-labelledby={headingId}>
      <h2 id={headingId}>Send a new link</h2>
      {mutation.isSuccess ? (
        <StatusMessage>{mutation.data}</StatusMessage>
      ) : (
        <form ref={form} onSubmit={submit()} noValidate>
          {mutation.isError && !errors?.email && <ErrorAlert>{errorMessage(mutation.error)}</ErrorAlert>}
          <TextField label="Email" type="email" autoComplete="email" required {...field('email')} />
          <button type="submit" disabled={mutation.isPending}>
            Send a new link
          </button>
        </form>
      )}
    </section>
  );
}
