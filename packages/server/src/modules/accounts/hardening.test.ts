import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  newIdentity,
  signUpVerifiedUser,
  verificationLinkFor,
  type Err,
  type JsonClient,
} from '../../../test/api.ts';
import type { TestServer } from '../../../test/harness.ts';
import { useServerWithMail } from '../../../test/server-with-mail.ts';
import type { SmtpSink } from '../../../test/smtp-sink.ts';
import { ConfigError, loadConfig } from '../../config/env.ts';
import { createOrm } from '../../platform/db/orm.ts';
import { entities } from '../../entities.ts';
import { createAdmin } from './create-admin.ts';
import { PasswordHasher } from './password-hasher.ts';

/** Regression tests for what a security review of accounts found. */
let sink: SmtpSink;
let srv: TestServer;
let api: JsonClient;
const v1 = '/api/v1/auth';

useServerWithMail(
  { LOGIN_MAX_FAILURES: '3', LOGIN_IP_MAX_ATTEMPTS: '10000' },
  (env) => ({ sink, srv, api } = env),
);

describe('sessions', () => {
  it('logout needs the current refresh token: a session id with a made-up secret ends nothing', async () => {
    const { tokens } = await signUpVerifiedUser(srv, sink);
    const sid = (
      JSON.parse(Buffer.from(tokens.access.split('.')[1]!, 'base64url').toString()) as { sid: string }
    ).sid;
    expect((await api.post(`${v1}/logout`, { refresh: `${sid}.${'A'.repeat(43)}` })).status).toBe(200);
    expect((await api.get(`${v1}/profile`, { token: tokens.access })).status).toBe(200);
    expect((await api.post(`${v1}/refresh`, { refresh: tokens.refresh })).status).toBe(200);
  });

  it('cookie logout without a cookie is a no-op 200, not an undeclared 401', async () => {
    const res = await api.post(`${v1}/logout`, {}, { headers: { 'x-taskvault-csrf': '1' } });
    expect(res.status).toBe(200);
  });

  it('promoting an existing account to admin ends the sign-ins made before', async () => {
    const { identity, tokens } = await signUpVerifiedUser(srv, sink);
    await createAdmin(srv.orm.em.fork(), new PasswordHasher(), {
      ...identity,
      password: 'operator chosen passphrase 5',
    });
    expect((await api.post(`${v1}/refresh`, { refresh: tokens.refresh })).status).toBe(401);
  });

  it('a reset link used twice at the same moment works once', async () => {
    const { identity } = await signUpVerifiedUser(srv, sink);
    await api.post(`${v1}/password-reset`, { email: identity.email });
    const { uid, token } = await verificationLinkFor(sink, identity.email, 'reset-password');
    const answers = await Promise.all(
      ['first new passphrase 11', 'second new passphrase 22'].map((newPassword) =>
        api.post(`${v1}/password-reset/confirm`, { uid, token, newPassword }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
  });
});

describe('password guessing budgets', () => {
  it("an account's email and username share one login budget", async () => {
    const { identity } = await signUpVerifiedUser(srv, sink);
    const wrong = 'definitely not the password';
    expect((await api.post(`${v1}/login`, { email: identity.email, password: wrong })).status).toBe(401);
    expect((await api.post(`${v1}/login`, { username: identity.username, password: wrong })).status).toBe(
      401,
    );
    expect(
      (await api.post(`${v1}/login`, { username: identity.username.toUpperCase(), password: wrong })).status,
    ).toBe(401);
    const blocked = await api.post<Err>(`${v1}/login`, {
      email: identity.email,
      password: identity.password,
    });
    expect(blocked.status).toBe(429);
  });

  it('change-password with a stolen token cannot guess the current password without limit', async () => {
    const { tokens } = await signUpVerifiedUser(srv, sink);
    const attempt = () =>
      api.post<Err>(
        `${v1}/change-password`,
        { currentPassword: 'a guess at it', newPassword: 'whatever new passphrase 3' },
        { token: tokens.access },
      );
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await attempt()).status);
    expect(statuses).toEqual([400, 400, 400, 429]);
  });
});

describe('configuration', () => {
  it('production refuses to run without SMTP_URL, which would put reset links in the log', () => {
    const load = () => loadConfig({}, { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/SMTP_URL/);
    expect(() =>
      loadConfig({}, { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), SMTP_URL: 'smtp://mail:25' }),
    ).not.toThrow();
  });
});

describe('embedded database', () => {
  it('refuses a second process on the same PGlite folder instead of losing its writes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'taskvault-lock-'));
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(path.join(dir, 'db.lock'), String(other.pid));
      await expect(
        createOrm({ entities, database: { engine: 'pglite', dataDir: path.join(dir, 'db') } }),
      ).rejects.toThrow(/in use by process/);
    } finally {
      other.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes over a claim left by a process that has exited', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'taskvault-lock-'));
    try {
      writeFileSync(path.join(dir, 'db.lock'), '999999999');
      const orm = await createOrm({
        entities,
        database: { engine: 'pglite', dataDir: path.join(dir, 'db') },
      });
      await orm.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tRPC edge cases', () => {
  it('a request that is not JSON: 415 in the envelope, as REST answers', async () => {
    const res = await fetch(`${srv.baseUrl}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(res.status).toBe(415);
    const body = (await res.json()) as { error: { data: { envelope: Err } } };
    expect(body.error.data.envelope.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a streamed batch that creates a task answers the task, not a 500', async () => {
    const { tokens } = await signUpVerifiedUser(srv, sink, newIdentity('stream'));
    const res = await fetch(`${srv.baseUrl}/trpc/tasks.create?batch=1`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'trpc-accept': 'application/jsonl',
        authorization: `Bearer ${tokens.access}`,
      },
      body: JSON.stringify({ 0: { body: { title: 'Streamed task' } } }),
    });
    const text = await res.text();
    expect(text).toContain('Streamed task');
    expect(text).not.toContain('INTERNAL_SERVER_ERROR');
  });
});
