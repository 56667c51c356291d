import type { TaskvaultClient, User } from '@taskvault/sdk';
import { createContext, use, useSyncExternalStore, type ReactNode } from 'react';
import type { Session, SessionState, SignInInput, TrpcReads } from './session.ts';

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext value={session}>{children}</SessionContext>;
}

const useSessionObject = (): Session => {
  const session = use(SessionContext);
  if (!session) throw new Error('useSession() needs a <SessionProvider> above it');
  return session;
};

export type UseSession = {
  state: SessionState;
  /** The signed-in user, or null. */
  user: User | null;
  signIn: (input: SignInInput) => Promise<User>;
  signOut: () => Promise<void>;
  signOutEverywhere: () => Promise<void>;
  updateUser: (user: User) => void;
};

export function useSession(): UseSession {
  const session = useSessionObject();
  const state = useSyncExternalStore(session.subscribe, session.getState);
  return {
    state,
    user: state.status === 'signed-in' ? state.user : null,
    signIn: session.signIn,
    signOut: session.signOut,
    signOutEverywhere: session.signOutEverywhere,
    updateUser: session.updateUser,
  };
}

/** The API client of the current session: authenticated, refreshing once on a 401. */
export function useApi(): TaskvaultClient {
  return useSessionObject().api;
}

/** tRPC calls of the current session, several reads in one request: see `TrpcReads`. */
export function useTrpc(): TrpcReads {
  return useSessionObject().trpc;
}
