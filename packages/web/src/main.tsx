import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router/dom';
import { createQueryClient } from './app/query-client.ts';
import { createAppRouter } from './app/router.tsx';
import { createCookieSession } from './session/cookie-session.ts';
import { SessionProvider } from './session/SessionProvider.tsx';
import './styles.css';

const queryClient = createQueryClient();
const session = createCookieSession({
  baseUrl: window.location.origin,
  // One user's cached tasks must never show to the next person who logs in on this browser.
  onSignedOut: () => queryClient.clear(),
});
void session.restore();
const router = createAppRouter();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SessionProvider session={session}>
        <RouterProvider router={router} />
      </SessionProvider>
    </QueryClientProvider>
  </StrictMode>,
);
