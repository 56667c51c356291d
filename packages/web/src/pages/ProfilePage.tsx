import { useQuery } from '@tanstack/react-query';
import { ErrorAlert } from '../components/Alert.tsx';
import { Loading } from '../components/Loading.tsx';
import { errorMessage } from '../lib/api-error.ts';
import { formatDateTime } from '../lib/format.ts';
import { PasswordForm } from '../profile/PasswordForm.tsx';
import { ProfileForm } from '../profile/ProfileForm.tsx';
import { profileQuery } from '../profile/profile-queries.ts';
import { StorageUsage } from '../profile/StorageUsage.tsx';
import { useApi } from '../session/SessionProvider.tsx';

export function ProfilePage() {
  const api = useApi();
  const profile = useQuery(profileQuery(api));
  const p = profile.data;
  return (
    <>
      <title>Profile · Taskvault</title>
      <div className="page-header">
        <h1>Profile</h1>
      </div>
      {profile.isPending && <Loading label="Loading your profile…" />}
      {profile.isError && (
        <ErrorAlert>
          <p>Could not load your profile: {errorMessage(profile.error)}</p>
          <button type="button" onClick={() => void profile.refetch()}>
            Try again
          </button>
        </ErrorAlert>
      )}
      {p && (
        <div className="profile-grid">
          <div>
            <dl className="card account-facts">
              <div>
                <dt>Email</dt>
                <dd>
                  {p.email}{' '}
                  <span className={p.emailVerified ? 'badge badge-completed' : 'badge badge-pending'}>
                    {p.emailVerified ? 'Verified' : 'Not verified'}
                  </span>
                </dd>
              </div>
              <div>
                <dt>Role</dt>
                <dd>{p.role === 'admin' ? 'Administrator' : 'User'}</dd>
              </div>
              <div>
                <dt>Member since</dt>
                <dd>{formatDateTime(p.createdAt)}</dd>
              </div>
            </dl>
            <ProfileForm key={p.id} profile={p} />
          </div>
          <div>
            <StorageUsage storage={p.storage} />
            <PasswordForm username={p.username} />
          </div>
        </div>
      )}
    </>
  );
}
