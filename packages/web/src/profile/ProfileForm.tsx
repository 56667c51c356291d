import { UpdateProfileBodySchema, type Profile, type UpdateProfileBody } from '@taskvault/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { ErrorAlert, StatusMessage } from '../components/Alert.tsx';
import { TextField } from '../components/fields.tsx';
import { errorMessage, fieldMessages, ok } from '../lib/api-error.ts';
import { unplacedMessages, useFocusFirstInvalid, validate, type FieldErrorMap } from '../lib/forms.ts';
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
  const form = useRef<HTMLFormElement>(null);
  const headingId = useId();
  // The form keeps its own copy: a background refetch never overwrites what the user is typing.
  const [base, setBase] = useState(() => valuesOf(profile));
  const [values, setValues] = useState(base);
  const [errors, setErrors] = useState<FieldErrorMap | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useFocusFirstInvalid(form, errors);

  const save = useMutation({
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
    onError: (e) => setErrors(fieldMessages(e)),
  });

  const set = (key: keyof Values, value: string) => {
    setValues({ ...values, [key]: value });
    setNotice(null);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    save.reset();
    const diff: Partial<Values> = {};
    for (const key of FIELDS as (keyof Values)[]) if (values[key] !== base[key]) diff[key] = values[key];
    if (Object.keys(diff).length === 0) {
      setErrors(null);
      return setNotice('Nothing to save: no field was changed.');
    }
    const checked = validate(UpdateProfileBodySchema, diff);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors(null);
    save.mutate(checked.data);
  };

  const unplaced = unplacedMessages(errors, FIELDS);
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Your details</h2>
      <form ref={form} onSubmit={submit} noValidate aria-busy={save.isPending}>
        {save.isError && Object.keys(errors ?? {}).length === 0 && (
          <ErrorAlert>Could not save your profile: {errorMessage(save.error)}</ErrorAlert>
        )}
        {unplaced.length > 0 && <ErrorAlert>{unplaced.join(' ')}</ErrorAlert>}
        <div className="field-row">
          <TextField
            label="First name"
            name="firstName"
            autoComplete="given-name"
            maxLength={100}
            value={values.firstName}
            onChange={(e) => set('firstName', e.target.value)}
            error={errors?.firstName}
          />
          <TextField
            label="Last name"
            name="lastName"
            autoComplete="family-name"
            maxLength={100}
            value={values.lastName}
            onChange={(e) => set('lastName', e.target.value)}
            error={errors?.lastName}
          />
        </div>
        <TextField
          label="Username"
          name="username"
          autoComplete="username"
          required
          maxLength={30}
          value={values.username}
          onChange={(e) => set('username', e.target.value)}
          error={errors?.username}
          hint="3 to 30 letters, digits, _ or -. You can log in with it."
        />
        <div className="button-row">
          <button type="submit" className="button-primary" disabled={save.isPending}>
            Save profile
          </button>
        </div>
        {notice && <StatusMessage>{notice}</StatusMessage>}
      </form>
    </section>
  );
}
