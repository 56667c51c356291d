import { PASSWORD_MAX, PASSWORD_MIN, RegisterBodySchema, type RegisterBody } from '@taskvault/sdk';
import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { ErrorAlert } from '../components/Alert.tsx';
import { TextField } from '../components/fields.tsx';
import { errorMessage, fieldMessages, ok } from '../lib/api-error.ts';
import { unplacedMessages, useFocusFirstInvalid, validate, type FieldErrorMap } from '../lib/forms.ts';
import { useApi } from '../session/SessionProvider.tsx';
import type { CheckEmailState } from './CheckEmailPage.tsx';

const empty = { email: '', username: '', password: '', firstName: '', lastName: '' };
const FIELDS = Object.keys(empty);

export function SignupPage() {
  const api = useApi();
  const navigate = useNavigate();
  const form = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState(empty);
  const [errors, setErrors] = useState<FieldErrorMap | null>(null);
  const set = (field: keyof typeof empty) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [field]: e.target.value }));

  const mutation = useMutation({
    mutationFn: (body: RegisterBody) => ok(api.auth.register({ body })),
    // The answer names nobody (it would tell a taken email from a new one): the address is the one sent.
    onSuccess: (_res, body) => {
      const state: CheckEmailState = { email: body.email };
      void navigate('/check-email', { state });
    },
    onError: (e) => setErrors(fieldMessages(e)),
  });
  useFocusFirstInvalid(form, errors);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(RegisterBodySchema, {
      email: values.email,
      username: values.username,
      password: values.password,
      // Optional names are left out rather than sent empty.
      firstName: values.firstName.trim() || undefined,
      lastName: values.lastName.trim() || undefined,
    });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors(null);
    mutation.mutate(checked.data);
  };

  const formError = mutation.isError && Object.keys(errors ?? {}).length === 0;

  return (
    <>
      <title>Create an account · Taskvault</title>
      <h1>Create an account</h1>
      {formError && <ErrorAlert>{errorMessage(mutation.error)}</ErrorAlert>}
      {errors && Object.keys(errors).length > 0 && (
        <ErrorAlert>
          Please correct the fields marked below. {unplacedMessages(errors, FIELDS).join(' ')}
        </ErrorAlert>
      )}
      <form ref={form} onSubmit={submit} noValidate aria-busy={mutation.isPending}>
        <TextField
          label="Email"
          type="email"
          name="email"
          autoComplete="email"
          required
          value={values.email}
          onChange={set('email')}
          error={errors?.email}
        />
        <TextField
          label="Username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          value={values.username}
          onChange={set('username')}
          error={errors?.username}
          hint="3 to 30 letters, digits, _ or -."
        />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="new-password"
          required
          value={values.password}
          onChange={set('password')}
          error={errors?.password}
          hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters; not a common password, not all digits, not like your username or email.`}
        />
        <div className="field-row">
          <TextField
            label="First name"
            name="firstName"
            autoComplete="given-name"
            value={values.firstName}
            onChange={set('firstName')}
            error={errors?.firstName}
            hint="Optional"
          />
          <TextField
            label="Last name"
            name="lastName"
            autoComplete="family-name"
            value={values.lastName}
            onChange={set('lastName')}
            error={errors?.lastName}
            hint="Optional"
          />
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
