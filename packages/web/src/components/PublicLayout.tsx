import { Link, Outlet } from 'react-router';
import { DeveloperLinks } from './DeveloperLinks.tsx';

/** Pages for people who are not signed in: one card in the middle of the screen. */
export function PublicLayout() {
  return (
    <div className="public-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="public-header">
        <Link to="/" className="brand">
          Taskvault
        </Link>
        <p className="tagline">Tasks and files, typed end to end.</p>
      </header>
      <main id="main" className="public-main" tabIndex={-1}>
        <div className="card public-card">
          <Outlet />
        </div>
      </main>
      <DeveloperLinks />
    </div>
  );
}
