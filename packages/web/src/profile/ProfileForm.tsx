import { UpdateProfileBodySchema, type Profile, type UpdateProfileBody } from '@taskvault/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { StatusMessage } from '../components/Alert.tsx';
import { TextField } from '../components/fields.tsx';
import { FormProblems } from '../components/FormProblems.tsx';
import { ok } from '../lib/api-error.ts';
import { useContractForm } from '../lib/use-contract-form.ts';
import { useApi, useSession } from '../session/SessionProvider.tsx';
import { profileKey } from './profile-queries.ts';

type Values = { firstName: string; lastName: string; username: string };
const FIELDS = ['firstName', 'lastName', 'username'];

const valuesOf = (p: Profile): Values => ({
  firstName: p.firstName,
  lastName: p.lastName,
  username: p.username,
});

/** Names and username. Sends only what changed; the server's per-field refusals go under each field. */
export function ProfileForm({ profile }: { profile: Profile }) {
  const api = useApi();
  const { updateUser } = useSession();
  const queryClient = useQueryClient();
  const headingId = useId();
  // The form keeps its own copy: a background refetch never overwrites what the user is typing.
  const [base, setBase] = useState(() => valuesOf(profile));
  const [notice, setNotice] = useState<string | null>(null);
  const { form, setValues, field, setErrors, mutation, submit, failed, unplaced } = useContractForm({
    initial: base,
    schema: UpdateProfileBodySchema,
    mutationFn: (body: UpdateProfileBody) => ok(api.auth.updateProfile({ body })),
    onSuccess: (res) => {
      queryClient.setQueryData(profileKey, res.body.data);
      // The header shows the username: the session's copy of the user follows the change.
      updateUser(res.body.data);
      const saved = valuesOf(res.body.data);
      setBase(saved);
      setValues(saved);
      setNotice('Profile saved.');
    },
    onEdit: () => setNotice(null),
  });

  const changes = (values: Values) => {
    setNotice(null);
    mutation.reset();
    const diff: Partial<Values> = {};
    for (const key of FIELDS as (keyof Values)[]) if (values[key] !== base[key]) diff[key] = values[key];
    if (Object.keys(diff).length > 0) return diff;
    setErrors(null);
    setNotice('Nothing to save: no field was changed.');
  };

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Your details</h2>
      <form ref={form} onSubmit={submit(changes)} noValidate aria-busy={mutation.isPending}>
        <FormProblems
          failed={failed}
          error={mutation.error}
          failure="Could not save your profile: "
          unplaced={unplaced(FIELDS)}
        />
        <div className="field-row">
          <TextField label="First name" autoComplete="given-name" maxLength={100} {...field('firstName')} />
          <TextField label="Last name" autoComplete="family-name" maxLength={100} {...field('lastName')} />
        </div>
        <TextField
          label="Username"
          autoComplete="username"
          required
          maxLength={30}
          {...field('username')}
          hint="3 to 30 letters, digits, _ or -. You can log in with it."
        />
        <div className="button-row">
          <button type="submit" className="button-primary" disabled={mutation.isPending}>
            Save profile
          </button>
        </div>
        {notice && <StatusMessage>{notice}</StatusMessage>}
      </form>
    </section>
  );
}
