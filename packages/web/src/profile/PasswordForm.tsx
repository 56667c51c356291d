import { ChangePasswordBodySchema, PASSWORD_MAX, PASSWORD_MIN } from '@taskvault/sdk';
import { useMutation } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { TextField } from '../components/fields.tsx';
import { errorMessage, fieldMessages, ok } from '../lib/api-error.ts';
import { unplacedMessages, useFocusFirstInvalid, validate, type FieldErrorMap } from '../lib/forms.ts';
import { useApi } from '../session/SessionProvider.tsx';

const FIELDS = ['currentPassword', 'newPassword'];
const empty = { currentPassword: '', newPassword: '' };

/** Changing the password: the server checks the current one and the new one's strength, and ends the other sign-ins. */
export function PasswordForm({ username }: { username: string }) {
  const api = useApi();
  const form = useRef<HTMLFormElement>(null);
  const headingId = useId();
  const [values, setValues] = useState(empty);
  const [errors, setErrors] = useState<FieldErrorMap | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useFocusFirstInvalid(form, errors);

  const change = useMutation({
    mutationFn: (body: typeof empty) => ok(api.auth.changePassword({ body })),
    onSuccess: () => {
      setValues(empty);
      setNotice('Password changed. You were signed out on your other devices.');
    },
    onError: (e) => setErrors(fieldMessages(e)),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    change.reset();
    const checked = validate(ChangePasswordBodySchema, values);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors(null);
    change.mutate(checked.data);
  };

  const unplaced = unplacedMessages(errors, FIELDS);
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Password</h2>
      <form ref={form} onSubmit={submit} noValidate aria-busy={change.isPending}>
        {change.isError && Object.keys(errors ?? {}).length === 0 && (
          <ErrorAlert>Could not change your password: {errorMessage(change.error)}</ErrorAlert>
        )}
        {unplaced.length > 0 && <ErrorAlert>{unplaced.join(' ')}</ErrorAlert>}
        {/* For password managers: which account the new password belongs to. */}
        <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
        <TextField
          label="Current password"
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          value={values.currentPassword}
          onChange={(e) => {
            setValues({ ...values, currentPassword: e.target.value });
            setNotice(null);
          }}
          error={errors?.currentPassword}
        />
        <TextField
          label="New password"
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN}
          maxLength={PASSWORD_MAX}
          value={values.newPassword}
          onChange={(e) => {
            setValues({ ...values, newPassword: e.target.value });
            setNotice(null);
          }}
          error={errors?.newPassword}
          hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters; not a common password, not only digits, not like your username or email.`}
        />
        <div className="button-row">
          <button type="submit" className="button-primary" disabled={change.isPending}>
            Change password
          </button>
        </div>
        {notice && <StatusMessage>{notice}</StatusMessage>}
      </form>
    </section>
  );
}
