import { PASSWORD_MAX, PASSWORD_MIN, PasswordResetConfirmBodySchema } from '@taskvault/sdk';
import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { TextField } from '../components/fields.tsx';
import { errorMessage, fieldMessages, isTaskvaultError, ok } from '../lib/api-error.ts';
import { useFocusFirstInvalid, validate, type FieldErrorMap } from '../lib/forms.ts';
import { useApi } from '../session/SessionProvider.tsx';

/** Where the reset email's link lands: `/reset-password/:uid/:token`. */
export function ResetPasswordPage() {
  const api = useApi();
  const { uid = '', token = '' } = useParams();
  const form = useRef<HTMLFormElement>(null);
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrorMap | null>(null);
  const mutation = useMutation({
    mutationFn: (newPassword: string) =>
      ok(api.auth.confirmPasswordReset({ body: { uid, token, newPassword } })),
    onError: (e) => setErrors(fieldMessages(e)),
  });
  useFocusFirstInvalid(form, errors);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(PasswordResetConfirmBodySchema, { uid, token, newPassword: password });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors(null);
    mutation.mutate(checked.data.newPassword);
  };

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
      <form ref={form} onSubmit={submit} noValidate aria-busy={mutation.isPending}>
        <TextField
          label="New password"
          type="password"
          name="newPassword"
          autoComplete="new-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors?.newPassword}
          hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters; not a common password, not all digits, not like your username or email.`}
        />
        <button type="submit" className="button-primary button-block" disabled={mutation.isPending}>
          Set new password
        </button>
      </form>
    </>
  );
}
