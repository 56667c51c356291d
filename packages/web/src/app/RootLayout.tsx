import { Outlet } from 'react-router';
import { useRouteFocus } from '../components/use-route-focus.ts';

export function RootLayout() {
  useRouteFocus();
  return <Outlet />;
}
