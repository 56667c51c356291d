import { Link, useLocation } from 'react-router';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { ResendVerificationForm } from '../components/ResendVerificationForm.tsx';
import { TextField } from '../components/fields.tsx';
import { errorMessage, fieldMessages, isTaskvaultError } from '../lib/api-error.ts';
import type { FieldErrorMap } from '../lib/forms.ts';
import { useContractForm } from '../lib/use-contract-form.ts';
import type { LoginRedirectState } from '../session/guards.tsx';
import { useSession } from '../session/SessionProvider.tsx';

export const SESSION_ENDED_MESSAGE = 'Your session has ended. Please log in again.';

export function LoginPage() {
  const { state, signIn } = useSession();
  const location = useLocation();
  const redirect = location.state as LoginRedirectState | null;
  const { form, values, field, errors, setErrors, mutation, submit } = useContractForm({
    initial: { login: '', password: '' },
    mutationFn: signIn,
    fieldErrors: (e) => {
      const fields = fieldMessages(e);
      const loginError = fields.email ?? fields.username ?? fields.login;
      const next: FieldErrorMap = {};
      if (loginError) next.login = loginError;
      if (fields.password) next.password = fields.password;
      return next;
    },
  });
  // The form's own check, no contract schema: both fields filled; the server judges the rest.
  const loginBody = ({ login, password }: typeof values) => {
    const next: FieldErrorMap = {};
    if (!login.trim()) next.login = 'Enter your email or username.';
    if (!password) next.password = 'Enter your password.';
    if (Object.keys(next).length === 0) return { login: login.trim(), password };
    setErrors(next);
  };

  const error = mutation.error;
  const notVerified = isTaskvaultError(error, 'EMAIL_NOT_VERIFIED');
  const showFormError = error && !errors?.login && !errors?.password;

  return (
    <>
      <title>Log in · Taskvault</title>
      <h1>Log in</h1>
      {!error && redirect?.sessionEnded && <ErrorAlert>{SESSION_ENDED_MESSAGE}</ErrorAlert>}
      {!error && state.status === 'signed-out' && state.reason === 'logged-out' && (
        <StatusMessage>You are logged out.</StatusMessage>
      )}
      {showFormError &&
        (notVerified ? (
          <ErrorAlert>
            <p>Your email address is not verified yet.</p>
            <p>Open the link we emailed you when you signed up, or ask for a new one below.</p>
          </ErrorAlert>
        ) : (
          // Too many attempts: the server's message says when to try again.
          <ErrorAlert>{errorMessage(error)}</ErrorAlert>
        ))}
      <form ref={form} onSubmit={submit(loginBody)} noValidate aria-busy={mutation.isPending}>
        <TextField
          label="Email or username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          {...field('login')}
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          {...field('password')}
        />
        <button type="submit" className="button-primary button-block" disabled={mutation.isPending}>
          Log in
        </button>
      </form>
      {notVerified && (
        <ResendVerificationForm initialEmail={values.login.includes('@') ? values.login.trim() : ''} />
      )}
      <p className="form-links">
        <Link to="/forgot-password">Forgot your password?</Link>
        <Link to="/signup">Create an account</Link>
      </p>
    </>
  );
}
