import { PASSWORD_MAX, PASSWORD_MIN, RegisterBodySchema, type RegisterBody } from '@taskvault/sdk';
import { Link, useNavigate } from 'react-router';
import { ErrorAlert } from '../components/Alert.tsx';
import { TextField } from '../components/fields.tsx';
import { errorMessage, ok } from '../lib/api-error.ts';
import { useContractForm } from '../lib/use-contract-form.ts';
import { useApi } from '../session/SessionProvider.tsx';
import type { CheckEmailState } from './CheckEmailPage.tsx';

const empty = { email: '', username: '', password: '', firstName: '', lastName: '' };
const FIELDS = Object.keys(empty);

export function SignupPage() {
  const api = useApi();
  const navigate = useNavigate();
  const { form, field, mutation, submit, hasFieldErrors, failed, unplaced } = useContractForm({
    initial: empty,
    schema: RegisterBodySchema,
    mutationFn: (body: RegisterBody) => ok(api.auth.register({ body })),
    // The answer names nobody (it would tell a taken email from a new one): the address is the one sent.
    onSuccess: (_res, body) => {
      const state: CheckEmailState = { email: body.email };
      void navigate('/check-email', { state });
    },
  });
  const registerBody = (values: typeof empty) => ({
    email: values.email,
    username: values.username,
    password: values.password,
    // Optional names are left out rather than sent empty.
    firstName: values.firstName.trim() || undefined,
    lastName: values.lastName.trim() || undefined,
  });

  return (
    <>
      <title>Create an account · Taskvault</title>
      <h1>Create an account</h1>
      {failed && <ErrorAlert>{errorMessage(mutation.error)}</ErrorAlert>}
      {hasFieldErrors && (
        <ErrorAlert>Please correct the fields marked below. {unplaced(FIELDS).join(' ')}</ErrorAlert>
      )}
      <form ref={form} onSubmit={submit(registerBody)} noValidate aria-busy={mutation.isPending}>
        <TextField label="Email" type="email" autoComplete="email" required {...field('email')} />
        <TextField
          label="Username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          {...field('username')}
          hint="3 to 30 letters, digits, _ or -."
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          {...field('password')}
          hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters; not a common password, not all digits, not like your username or email.`}
        />
        <div className="field-row">
          <TextField label="First name" autoComplete="given-name" {...field('firstName')} hint="Optional" />
          <TextField label="Last name" autoComplete="family-name" {...field('lastName')} hint="Optional" />
        </div>
        <button type="submit" className="button-primary button-block" disabled={mutation.isPending}>
          Create account
        </button>
      </form>
      <p className="form-note">
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </>
  );
}
