/** Who is calling, as established from a verified access token. */
export type Principal = {
  id: string;
  email: string;
  username: string;
  role: 'user' | 'admin';
  /** The sign-in the access token belongs to. */
  sessionId?: string;
};

/**
 * Turns an Authorization header into a principal: null when there is none, AppError UNAUTHENTICATED
 * when it is present but not valid.
 */
export type Authenticator = (authorization: string | undefined) => Promise<Principal | null>;
