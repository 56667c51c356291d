import { PASSWORD_MAX, PASSWORD_MIN, PasswordResetConfirmBodySchema } from '@taskvault/sdk';
import { Link, useParams } from 'react-router';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { TextField } from '../components/fields.tsx';
import { errorMessage, isTaskvaultError, ok } from '../lib/api-error.ts';
import { useContractForm } from '../lib/use-contract-form.ts';
import { useApi } from '../session/SessionProvider.tsx';

/** Where the reset email's link lands: `/reset-password/:uid/:token`. */
export function ResetPasswordPage() {
  const api = useApi();
  const { uid = '', token = '' } = useParams();
  const { form, field, errors, mutation, submit } = useContractForm({
    initial: { newPassword: '' },
    schema: PasswordResetConfirmBodySchema,
    // The uid and token as the link holds them; the password as checked.
    mutationFn: ({ newPassword }) => ok(api.auth.confirmPasswordReset({ body: { uid, token, newPassword } })),
  });

  if (mutation.isSuccess)
    return (
      <>
        <title>Password set · Taskvault</title>
        <h1>Your new password is set</h1>
        <StatusMessage>For your safety, every sign-in of your account has been ended.</StatusMessage>
        <p>
          <Link to="/login" className="button button-primary">
            Log in
          </Link>
        </p>
      </>
    );

  const error = mutation.error;
  // A link whose parts the contract refuses (too long, cut) is as broken as one the server refuses.
  const badLink =
    Boolean(errors?.uid ?? errors?.token) ||
    isTaskvaultError(error, 'INVALID_LINK') ||
    (isTaskvaultError(error, 'VALIDATION_FAILED') && !errors?.newPassword);

  return (
    <>
      <title>Set a new password · Taskvault</title>
      <h1>Set a new password</h1>
      {badLink ? (
        <ErrorAlert>
          <p>
            This reset link is invalid, has expired (links last 3 days) or was already used.{' '}
            <Link to="/forgot-password">Ask for a new link</Link>.
          </p>
        </ErrorAlert>
      ) : (
        error && !errors?.newPassword && <ErrorAlert>{errorMessage(error)}</ErrorAlert>
      )}
      <form
        ref={form}
        onSubmit={submit(({ newPassword }) => ({ uid, token, newPassword }))}
        noValidate
        aria-busy={mutation.isPending}
      >
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          {...field('newPassword')}
          hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters; not a common password, not all digits, not like your username or email.`}
        />
        <button type="submit" className="button-primary button-block" disabled={mutation.isPending}>
          Set new password
        </button>
      </form>
    </>
  );
}
