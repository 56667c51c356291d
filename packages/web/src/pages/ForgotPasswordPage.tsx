import { PasswordResetBodySchema } from '@taskvault/sdk';
import { Link } from 'react-router';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { TextField } from '../components/fields.tsx';
import { errorMessage, ok } from '../lib/api-error.ts';
import { useContractForm } from '../lib/use-contract-form.ts';
import { useApi } from '../session/SessionProvider.tsx';

export function ForgotPasswordPage() {
  const api = useApi();
  const { form, field, errors, mutation, submit } = useContractForm({
    initial: { email: '' },
    schema: PasswordResetBodySchema,
    mutationFn: (body) => ok(api.auth.requestPasswordReset({ body })),
  });

  return (
    <>
      <title>Forgot your password · Taskvault</title>
      <h1>Forgot your password?</h1>
      {mutation.isSuccess ? (
        <>
          <StatusMessage>
            If an account uses that address, we have emailed it a link to set a new password. The link works
            once, for 3 days.
          </StatusMessage>
          <p className="form-links">
            <Link to="/login">Back to log in</Link>
          </p>
        </>
      ) : (
        <>
          <p>Enter the email address of your account and we will send you a link to set a new password.</p>
          {mutation.isError && !errors?.email && <ErrorAlert>{errorMessage(mutation.error)}</ErrorAlert>}
          <form ref={form} onSubmit={submit()} noValidate aria-busy={mutation.isPending}>
            <TextField label="Email" type="email" autoComplete="email" required {...field('email')} />
            <button type="submit" className="button-primary button-block" disabled={mutation.isPending}>
              Send reset link
            </button>
          </form>
          <p className="form-links">
            <Link to="/login">Back to log in</Link>
          </p>
        </>
      )}
    </>
  );
}
