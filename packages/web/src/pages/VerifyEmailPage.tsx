import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ErrorAlert } from '../components/Alert.tsx';
import { Loading } from '../components/Loading.tsx';
import { ResendVerificationForm } from '../components/ResendVerificationForm.tsx';
import { errorMessage, isTaskvaultError, ok } from '../lib/api-error.ts';
import { useApi } from '../session/SessionProvider.tsx';

/** Where the verification email's link lands: `/verify-email/:uid/:token`. */
export function VerifyEmailPage() {
  const api = useApi();
  const { uid = '', token = '' } = useParams();
  // A link works once: the query is cached for good so a re-render (or React's development double
  // mount) never sends it a second time and turns a success into "already used".
  const verification = useQuery({
    queryKey: ['verify-email', uid, token],
    queryFn: () => ok(api.auth.verifyEmail({ params: { uid, token } })),
    retry: false,
    staleTime: Infinity,
    gcTime: Infinity,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });

  if (verification.isPending)
    return (
      <>
        <title>Verifying your email · Taskvault</title>
        <h1>Verifying your email</h1>
        <Loading label="Checking your link…" />
      </>
    );

  if (verification.isSuccess)
    return (
      <>
        <title>Email verified · Taskvault</title>
        <h1>Your email is verified</h1>
        <p>Your account is ready. Log in to start.</p>
        <p>
          <Link to="/login" className="button button-primary">
            Log in
          </Link>
        </p>
      </>
    );

  const error = verification.error;
  const badLink = isTaskvaultError(error, 'INVALID_LINK') || isTaskvaultError(error, 'VALIDATION_FAILED');
  return (
    <>
      <title>This link does not work · Taskvault</title>
      <h1>{badLink ? 'This link does not work' : 'We could not verify your email'}</h1>
      {badLink ? (
        <ErrorAlert>
          <p>
            The link is invalid, has expired (links last 3 days) or was already used. Links also stop working
            when the account&apos;s email or password changes.
          </p>
        </ErrorAlert>
      ) : (
        <ErrorAlert>
          <p>{errorMessage(error)}</p>
          <button type="button" onClick={() => void verification.refetch()}>
            Try again
          </button>
        </ErrorAlert>
      )}
      <p>
        Already verified? <Link to="/login">Log in</Link>. Otherwise ask for a new link:
      </p>
      <ResendVerificationForm />
    </>
  );
}
