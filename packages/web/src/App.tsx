import { HealthPanel } from './HealthPanel.tsx';

export function App() {
  return (
    <main>
      <header>
        <h1>Taskvault</h1>
        <p className="lead">Tasks and files, typed end to end from one contract.</p>
      </header>
      <HealthPanel />
      <nav aria-label="For developers" className="card">
        <h2>For developers</h2>
        <ul>
          <li>
            <a href="/docs/">API documentation</a>
          </li>
          <li>
            <a href="/api/v1/openapi.json">OpenAPI document</a>
          </li>
        </ul>
      </nav>
    </main>
  );
}
