import { createBrowserRouter } from 'react-router';
import { AppLayout } from '../components/AppLayout.tsx';
import { PublicLayout } from '../components/PublicLayout.tsx';
import { AdminPage } from '../pages/AdminPage.tsx';
import { CheckEmailPage } from '../pages/CheckEmailPage.tsx';
import { DashboardPage } from '../pages/DashboardPage.tsx';
import { FilesPage } from '../pages/FilesPage.tsx';
import { HomePage } from '../pages/HomePage.tsx';
import { ForgotPasswordPage } from '../pages/ForgotPasswordPage.tsx';
import { LoginPage } from '../pages/LoginPage.tsx';
import { NotFoundPage } from '../pages/NotFoundPage.tsx';
import { ProfilePage } from '../pages/ProfilePage.tsx';
import { ResetPasswordPage } from '../pages/ResetPasswordPage.tsx';
import { SignupPage } from '../pages/SignupPage.tsx';
import { TaskPage } from '../pages/TaskPage.tsx';
import { TasksPage } from '../pages/TasksPage.tsx';
import { VerifyEmailPage } from '../pages/VerifyEmailPage.tsx';
import { RedirectIfSignedIn, RequireSession } from '../session/guards.tsx';
import { RootLayout } from './RootLayout.tsx';
import { RouteError } from './RouteError.tsx';

/**
 * Every page of the app. Public pages share one layout; signed-in pages another, behind the session guard.
 * The server answers any other path with index.html, so these paths work when typed or reloaded.
 */
export const createAppRouter = () =>
  createBrowserRouter([
    {
      element: <RootLayout />,
      errorElement: <RouteError />,
      children: [
        {
          element: <PublicLayout />,
          children: [
            { path: '/', element: <HomePage /> },
            {
              path: '/login',
              element: (
                <RedirectIfSignedIn>
                  <LoginPage />
                </RedirectIfSignedIn>
              ),
            },
            {
              path: '/signup',
              element: (
                <RedirectIfSignedIn>
                  <SignupPage />
                </RedirectIfSignedIn>
              ),
            },
            { path: '/check-email', element: <CheckEmailPage /> },
            { path: '/verify-email/:uid/:token', element: <VerifyEmailPage /> },
            { path: '/forgot-password', element: <ForgotPasswordPage /> },
            { path: '/reset-password/:uid/:token', element: <ResetPasswordPage /> },
            { path: '*', element: <NotFoundPage /> },
          ],
        },
        {
          element: (
            <RequireSession>
              <AppLayout />
            </RequireSession>
          ),
          children: [
            { path: '/dashboard', element: <DashboardPage /> },
            { path: '/tasks', element: <TasksPage /> },
            { path: '/tasks/:id', element: <TaskPage /> },
            { path: '/files', element: <FilesPage /> },
            { path: '/profile', element: <ProfilePage /> },
            { path: '/admin', element: <AdminPage /> },
          ],
        },
      ],
    },
  ]);
