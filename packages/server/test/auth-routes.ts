import { randomBytes } from 'node:crypto';
import type { ErrorEnvelope } from '@taskvault/contract';

/** One answer of a sign-up or login route, whatever the transport: the HTTP status, the raw body, the envelope. */
export type AuthAnswer = {
  status: number;
  /** The response body exactly as sent. */
  text: string;
  /** The REST envelope (for tRPC: `result.data`, or `error.data.envelope`). */
  envelope: { success: boolean; message: string; data?: unknown } & Partial<ErrorEnvelope>;
  retryAfter: string | null;
};

/** Where a call comes from: `X-Forwarded-For`, for a server with `TRUST_PROXY` set (`loopback`). */
export type From = { address?: string };

export type AuthRoutes = {
  name: string;
  /** The status of a signup that went through: 201 over REST, 200 over tRPC (its mutations answer 200). */
  created: number;
  register: (baseUrl: string, body: unknown, from?: From) => Promise<AuthAnswer>;
  login: (baseUrl: string, body: unknown, from?: From) => Promise<AuthAnswer>;
};

const post = async (url: string, body: unknown, from: From = {}) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(from.address ? { 'x-forwarded-for': from.address } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: JSON.parse(text) as unknown,
    retryAfter: res.headers.get('retry-after'),
  };
};

const rest =
  (path: string) =>
  async (baseUrl: string, body: unknown, from?: From): Promise<AuthAnswer> => {
    const r = await post(`${baseUrl}${path}`, body, from);
    return {
      status: r.status,
      text: r.text,
      envelope: r.json as AuthAnswer['envelope'],
      retryAfter: r.retryAfter,
    };
  };

/** A single (unbatched) tRPC mutation over plain HTTP, so the status and headers are there to read. */
const trpc =
  (procedure: string) =>
  async (baseUrl: string, body: unknown, from?: From): Promise<AuthAnswer> => {
    const r = await post(`${baseUrl}/trpc/${procedure}`, { body }, from);
    const json = r.json as {
      result?: { data: AuthAnswer['envelope'] };
      error?: { data: { envelope: AuthAnswer['envelope'] } };
    };
    const envelope = json.result ? json.result.data : json.error!.data.envelope;
    return { status: r.status, text: r.text, envelope, retryAfter: r.retryAfter };
  };

/** Every way the server serves sign-up and login: one service behind REST, the legacy paths and tRPC. */
export const AUTH_ROUTES: AuthRoutes[] = [
  {
    name: 'REST /api/v1/auth',
    created: 201,
    register: rest('/api/v1/auth/register'),
    login: rest('/api/v1/auth/login'),
  },
  {
    name: 'legacy /api/signup/ and /api/login/',
    created: 201,
    register: rest('/api/signup/'),
    login: rest('/api/login/'),
  },
  {
    name: 'tRPC auth.register and auth.login',
    created: 200,
    register: trpc('auth.register'),
    login: trpc('auth.login'),
  },
];

// Random per run: rate-limit counters in a shared Redis outlive a test run by their window.
const run = randomBytes(6).toString('hex').match(/.{4}/g)!.join(':');
let last = 0;
/** A client address (IPv6, documentation range) that no other call, nor any other run, has used. */
export const freshAddress = (): string => `2001:db8:${run}::${(++last).toString(16)}`;
