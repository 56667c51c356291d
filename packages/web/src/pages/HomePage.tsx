import { Link, Navigate } from 'react-router';
import { Loading } from '../components/Loading.tsx';
import { HOME } from '../session/guards.tsx';
import { useSession } from '../session/SessionProvider.tsx';

/** `/`: signed-in users go to their tasks; anyone else learns what this is and how to get in. */
export function HomePage() {
  const { state } = useSession();
  if (state.status === 'restoring') return <Loading label="Restoring your session…" />;
  if (state.status === 'signed-in') return <Navigate to={HOME} replace />;
  return (
    <>
      <title>Taskvault</title>
      <h1>Taskvault</h1>
      <p className="lead">
        Your tasks and files in one place: plan, prioritise, attach documents, and see what is due.
      </p>
      <p className="button-row">
        <Link to="/login" className="button button-primary">
          Log in
        </Link>
        <Link to="/signup" className="button">
          Create an account
        </Link>
      </p>
    </>
  );
}
