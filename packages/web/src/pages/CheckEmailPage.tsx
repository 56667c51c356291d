import { useLocation, Link } from 'react-router';
import { ResendVerificationForm } from '../components/ResendVerificationForm.tsx';

export type CheckEmailState = { email?: string };

export function CheckEmailPage() {
  const email = (useLocation().state as CheckEmailState | null)?.email;
  return (
    <>
      <title>Check your email · Taskvault</title>
      <h1>Check your email</h1>
      <p>
        We sent a verification link to {email ? <strong>{email}</strong> : 'your email address'}. Open it to
        activate your account. The link works once, for 3 days. If that address already has an account, its
        owner got a note with a password-reset link instead.
      </p>
      <p>Nothing arrived after a few minutes? Check your spam folder, or ask for a new link.</p>
      <ResendVerificationForm initialEmail={email ?? ''} />
      <p className="form-links">
        <Link to="/login">Log in</Link>
      </p>
    </>
  );
}
