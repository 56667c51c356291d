import { PasswordResetBodySchema } from '@taskvault/sdk';
import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { TextField } from '../components/fields.tsx';
import { errorMessage, fieldMessages, ok } from '../lib/api-error.ts';
import { useFocusFirstInvalid, validate, type FieldErrorMap } from '../lib/forms.ts';
import { useApi } from '../session/SessionProvider.tsx';

export function ForgotPasswordPage() {
  const api = useApi();
  const form = useRef<HTMLFormElement>(null);
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<FieldErrorMap | null>(null);
  const mutation = useMutation({
    mutationFn: (address: string) => ok(api.auth.requestPasswordReset({ body: { email: address } })),
    onError: (e) => setErrors(fieldMessages(e)),
  });
  useFocusFirstInvalid(form, errors);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(PasswordResetBodySchema, { email });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors(null);
    mutation.mutate(checked.data.email);
  };

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
          <form ref={form} onSubmit={submit} noValidate aria-busy={mutation.isPending}>
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
