import type { TaskvaultClient, User } from '@taskvault/sdk';
import type { TaskvaultTrpcClient } from '@taskvault/sdk/trpc';

/**
 * Why nobody is signed in: `anonymous`, nobody was; `ended`, the sign-in expired or was revoked elsewhere
 * (the user is told so); `logged-out`, the user closed it.
 */
export type SignedOutReason = 'anonymous' | 'ended' | 'logged-out';

/**
 * Where the browser's sign-in stands. `restoring`: the app has just started and is asking the server
 * whether the refresh cookie still holds a sign-in.
 */
export type SessionState =
  | { status: 'restoring' }
  | { status: 'signed-in'; user: User }
  | { status: 'signed-out'; reason: SignedOutReason };

export type SignInInput = {
  /** An email address or a username: anything with an `@` is taken as an email. */
  login: string;
  password: string;
};

/**
 * Runs tRPC calls of the signed-in user. Calls `reads` makes together (in the same tick, as in a
 * `Promise.all`) travel as ONE HTTP request (the SDK's batch link). If the server answers UNAUTHORIZED, the
 * sign-in is refreshed once (the same refresh REST calls share) and `reads` runs again. Failures reject
 * as REST's do: a `TaskvaultError` with the REST status and envelope, or a `NetworkError`.
 */
export type TrpcReads = <T>(reads: (trpc: TaskvaultTrpcClient) => Promise<T>) => Promise<T>;

/**
 * The one thing pages know about authentication (function-valued fields: they are passed around unbound).
 * The implementation behind it (`createCookieSession`, over the SDK's client) can change without touching
 * a page.
 */
export interface Session {
  /** A client for every route; it authenticates each call and refreshes the sign-in once on a 401. */
  readonly api: TaskvaultClient;
  /** tRPC over the same sign-in (the same token store), for screens that need several reads at once. */
  readonly trpc: TrpcReads;
  getState: () => SessionState;
  subscribe: (listener: () => void) => () => void;
  /** Asks the server, once at start-up, whether the refresh cookie still holds a sign-in. */
  restore: () => Promise<void>;
  /**
   * Rejects with a `TaskvaultError` (wrong credentials, unverified email, too many attempts, ...), or a
   * `NetworkError`.
   */
  signIn: (input: SignInInput) => Promise<User>;
  /** Ends this browser's sign-in. Never rejects: locally the user is signed out whatever the server says. */
  signOut: () => Promise<void>;
  /** Ends every sign-in of the user, on every device. Rejects with a `TaskvaultError` if the server refused. */
  signOutEverywhere: () => Promise<void>;
  /** The signed-in user as the server now has them (after a profile change); ignored when signed out. */
  updateUser: (user: User) => void;
}
