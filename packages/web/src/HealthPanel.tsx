import type { Health } from '@taskvault/sdk';
import { useEffect, useState } from 'react';
import { api } from './api.ts';

type State = { kind: 'loading' } | { kind: 'up'; health: Health } | { kind: 'down'; message: string };

/** The server's liveness, fetched through the typed SDK. */
export function HealthPanel() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    api.system
      .health({ fetchOptions: { signal: controller.signal } })
      .then((res) =>
        setState(
          res.status === 200
            ? { kind: 'up', health: res.body.data }
            : { kind: 'down', message: res.body.message },
        ),
      )
      .catch((e: unknown) => {
        if (!controller.signal.aborted)
          setState({ kind: 'down', message: e instanceof Error ? e.message : String(e) });
      });
    return () => controller.abort();
  }, []);

  return (
    <section aria-labelledby="health-title" className="card">
      <h2 id="health-title">Server</h2>
      {state.kind === 'loading' && <p aria-busy="true">Checking…</p>}
      {state.kind === 'up' && (
        <p data-testid="health-status">
          <span className="dot up" aria-hidden="true" /> Up · version {state.health.version} · up for{' '}
          {state.health.uptimeSeconds}s
        </p>
      )}
      {state.kind === 'down' && (
        <p role="alert" data-testid="health-status">
          <span className="dot down" aria-hidden="true" /> Unreachable: {state.message}
        </p>
      )}
    </section>
  );
}
