import { useState } from 'react';
import { Link, NavLink, Outlet } from 'react-router';
import { errorMessage } from '../lib/api-error.ts';
import { useSession } from '../session/SessionProvider.tsx';
import { ErrorAlert } from './Alert.tsx';
import { DeveloperLinks } from './DeveloperLinks.tsx';

const links = [
  { to: '/dashboard', label: 'Dashboard' },
  { to: '/tasks', label: 'Tasks' },
  { to: '/files', label: 'Files' },
  { to: '/profile', label: 'Profile' },
] as const;

/** The frame of every signed-in page: navigation, who is signed in, and the ways out. */
export function AppLayout() {
  const { user, signOut, signOutEverywhere } = useSession();
  const [busy, setBusy] = useState<'out' | 'everywhere' | null>(null);
  const [error, setError] = useState<string | null>(null);

  const logOut = async () => {
    setBusy('out');
    await signOut();
  };
  const logOutEverywhere = async () => {
    setBusy('everywhere');
    setError(null);
    try {
      await signOutEverywhere();
    } catch (e) {
      setError(`Could not log out everywhere: ${errorMessage(e)}`);
      setBusy(null);
    }
  };

  return (
    <div className="app-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="app-header-inner">
          <Link to="/" className="brand">
            Taskvault
          </Link>
          <nav aria-label="Main" className="main-nav">
            <ul>
              {links.map((l) => (
                <li key={l.to}>
                  <NavLink to={l.to}>{l.label}</NavLink>
                </li>
              ))}
              {user?.role === 'admin' && (
                <li>
                  <NavLink to="/admin">Admin</NavLink>
                </li>
              )}
            </ul>
            <button
              type="button"
              className="button-quiet"
              onClick={() => void logOut()}
              disabled={busy !== null}
            >
              Log out
            </button>
          </nav>
          {/* Outside the navigation, so the navigation has exactly one way out whose name says "Log out". */}
          <div className="account">
            {user && (
              <span className="who">
                Signed in as <strong>{user.username}</strong>
              </span>
            )}
            <button
              type="button"
              className="button-quiet"
              onClick={() => void logOutEverywhere()}
              disabled={busy !== null}
            >
              Log out everywhere
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="app-main" tabIndex={-1}>
        {error && <ErrorAlert>{error}</ErrorAlert>}
        <Outlet />
      </main>
      <DeveloperLinks />
    </div>
  );
}
