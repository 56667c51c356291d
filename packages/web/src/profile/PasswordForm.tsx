import { ChangePasswordBodySchema, PASSWORD_MAX, PASSWORD_MIN } from '@taskvault/sdk';
import { useId, useState } from 'react';
import { StatusMessage } from '../components/Alert.tsx';
import { TextField } from '../components/fields.tsx';
import { FormProblems } from '../components/FormProblems.tsx';
import { ok } from '../lib/api-error.ts';
import { useContractForm } from '../lib/use-contract-form.ts';
import { useApi } from '../session/SessionProvider.tsx';

const FIELDS = ['currentPassword', 'newPassword'];
const empty = { currentPassword: '', newPassword: '' };

/** Changing the password: the server checks the current one and the new one's strength, and ends the other sign-ins. */
export function PasswordForm({ username }: { username: string }) {
  const api = useApi();
  const headingId = useId();
  const [notice, setNotice] = useState<string | null>(null);
  const { form, setValues, field, mutation, submit, failed, unplaced } = useContractForm({
    initial: empty,
    schema: ChangePasswordBodySchema,
    mutationFn: (body: typeof empty) => ok(api.auth.changePassword({ body })),
    onSuccess: () => {
      setValues(empty);
      setNotice('Password changed. You were signed out on your other devices.');
    },
    onEdit: () => setNotice(null),
  });
  const body = (values: typeof empty) => {
    setNotice(null);
    mutation.reset();
    return values;
  };

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Password</h2>
      <form ref={form} onSubmit={submit(body)} noValidate aria-busy={mutation.isPending}>
        <FormProblems
          failed={failed}
          error={mutation.error}
          failure="Could not change your password: "
          unplaced={unplaced(FIELDS)}
        />
        {/* For password managers: which account the new password belongs to. */}
        <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          {...field('currentPassword')}
        />
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN}
          maxLength={PASSWORD_MAX}
          {...field('newPassword')}
          hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters; not a common password, not only digits, not like your username or email.`}
        />
        <div className="button-row">
          <button type="submit" className="button-primary" disabled={mutation.isPending}>
            Change password
          </button>
        </div>
        {notice && <StatusMessage>{notice}</StatusMessage>}
      </form>
    </section>
  );
}
