import { useRouteError } from 'react-router';

/** Last resort when a page throws while rendering: say so, and offer a way out. */
export function RouteError() {
  const error = useRouteError();
  console.error(error);
  return (
    <main id="main" className="public-main">
      <div className="card public-card">
        <title>Something went wrong · Taskvault</title>
        <h1>Something went wrong</h1>
        <p role="alert">This page failed to display. Reloading usually helps.</p>
        <p className="button-row">
          <button type="button" className="button-primary" onClick={() => window.location.reload()}>
            Reload the page
          </button>
          <a href="/">Go to the start page</a>
        </p>
      </div>
    </main>
  );
}
