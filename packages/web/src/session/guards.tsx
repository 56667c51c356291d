import type { ReactNode } from 'react';
import { Navigate, useLocation, type Location } from 'react-router';
import { Loading } from '../components/Loading.tsx';
import { useSession } from './SessionProvider.tsx';

/** What the login page is told by whoever sent the user there. */
export type LoginRedirectState = {
  from?: Pick<Location, 'pathname' | 'search' | 'hash'>;
  sessionEnded?: boolean;
};

/** Signed-in pages: anyone else goes to /login, and comes back here after logging in. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'restoring') return <Loading label="Restoring your session…" />;
  if (state.status === 'signed-out') {
    // After a deliberate logout the next person to log in starts from the dashboard, not from the page
    // the previous user left.
    const redirect: LoginRedirectState =
      state.reason === 'logged-out'
        ? {}
        : {
            from: { pathname: location.pathname, search: location.search, hash: location.hash },
            sessionEnded: state.reason === 'ended',
          };
    return <Navigate to="/login" replace state={redirect} />;
  }
  return children;
}

/** Where a signed-in user starts: their tasks. */
export const HOME = '/tasks';

/** Login and sign-up: someone already signed in goes where they were heading, or home. */
export function RedirectIfSignedIn({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'restoring') return <Loading label="Restoring your session…" />;
  if (state.status === 'signed-in') {
    const from = (location.state as LoginRedirectState | null)?.from;
    return <Navigate to={from ?? HOME} replace />;
  }
  return children;
}
