import { createClient, type TokenPair } from '@taskvault/sdk';
import { expect } from 'vitest';
// Server code in tests only: to make a truly expired access token, signed as the server signs them.
import { AccessTokens } from '../../server/src/modules/accounts/access-tokens.ts';
import { newIdentity } from '../../server/test/api.ts';
import type { TestServer } from '../../server/test/harness.ts';

/** A test server's settings for SDK tests: accounts usable at once, and room for many logins from one address. */
export const sdkServerOverrides = { REQUIRE_EMAIL_VERIFICATION: 'false', LOGIN_IP_MAX_ATTEMPTS: '1000' };

export type Sent = { method: string; url: URL; headers: Headers; body: string | undefined };

/** A fetch that records every request it sends (JSON and text bodies as text). */
export function recordingFetch(inner: typeof fetch = fetch) {
  const sent: Sent[] = [];
  const recorded: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    sent.push({
      method: request.method,
      url: new URL(request.url),
      headers: request.headers,
      body: typeof init?.body === 'string' ? init.body : undefined,
    });
    return inner(input, init);
  };
  return {
    fetch: recorded,
    sent,
    /** The requests to paths ending with `suffix`. */
    to: (suffix: string) => sent.filter((r) => r.url.pathname.endsWith(suffix)),
  };
}

type Cookie = { name: string; value: string; path: string; secure: boolean; httpOnly: boolean };

/**
 * A browser's cookie jar, enough for the refresh cookie: keeps what `Set-Cookie` says (path, Secure, expiry
 * by Max-Age or Expires), sends a cookie only under its path, and Secure ones only over https or to a
 * loopback address, as browsers do.
 */
export function cookieJarFetch(inner: typeof fetch = fetch) {
  const jar = new Map<string, Cookie>();
  const cookieFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const trusted = url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    const matching = [...jar.values()].filter(
      (c) =>
        (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)) &&
        (!c.secure || trusted),
    );
    const headers = new Headers(init?.headers);
    if (matching.length > 0) headers.set('cookie', matching.map((c) => `${c.name}=${c.value}`).join('; '));
    const res = await inner(input, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const attrs = new Map(
        attributes.map((a) => {
          const i = a.indexOf('=');
          return i < 0 ? [a.toLowerCase(), ''] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
        }),
      );
      const maxAge = attrs.get('max-age');
      const expires = attrs.get('expires');
      const expired =
        (maxAge !== undefined && Number(maxAge) <= 0) ||
        (maxAge === undefined && expires !== undefined && Date.parse(expires) <= Date.now());
      if (expired) jar.delete(name);
      else
        jar.set(name, {
          name,
          value: pair!.slice(eq + 1),
          path: attrs.get('path') ?? '/',
          secure: attrs.has('secure'),
          httpOnly: attrs.has('httponly'),
        });
    }
    return res;
  };
  return { fetch: cookieFetch, jar };
}

/** Registers an account through the SDK (the test server needs no email verification): its identity. */
export async function registerThroughSdk(baseUrl: string, prefix = 'sdk') {
  const identity = newIdentity(prefix);
  const res = await createClient({ baseUrl }).auth.register({ body: identity });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return identity;
}

/** The claims of a JWT, unverified. */
const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as {
    sub: string;
    email: string;
    username: string;
    role: 'user' | 'admin';
    sid: string;
  };

/**
 * An access token for the same sign-in as `pair`, signed with the server's key, issuer and audience, that
 * expired an hour ago: what a client holds after a laptop lid was closed for a while.
 */
export function expiredAccessToken(srv: TestServer, pair: TokenPair): string {
  const claims = claimsOf(pair.access);
  const tokens = new AccessTokens({
    secret: srv.platform.signingSecret,
    issuer: srv.config.auth.issuer,
    audience: srv.config.auth.audience,
    ttlSeconds: 60,
    now: () => Date.now() - 3600_000,
  });
  return tokens.sign(
    { id: claims.sub, email: claims.email, username: claims.username, role: claims.role },
    claims.sid,
  ).token;
}
