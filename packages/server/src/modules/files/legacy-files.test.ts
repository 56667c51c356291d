/**
 * The original file-sharing API's test cases, word for word, against its deprecated paths only:
 * POST /api/signup/, POST /api/login/, GET /api/verify-email/:uid/:token/, POST /api/upload/,
 * GET /api/list-uploaded-files/ and GET /api/download-file/:id/.
 */
import type { DownloadLink, FileMeta, TokenPair } from '@taskvault/contract';
import { describe, expect, it } from 'vitest';
import {
  expectError,
  expectInvalid,
  newIdentity,
  verificationLinkFor,
  type JsonClient,
  type Ok,
} from '../../../test/api.ts';
import { rejectedFixtures, sha256, validFixtures } from '../../../test/file-fixtures.ts';
import { fetchBytes, localUrl, upload } from '../../../test/files-api.ts';
import type { TestServer } from '../../../test/harness.ts';
import { useServerWithMail } from '../../../test/server-with-mail.ts';
import type { SmtpSink } from '../../../test/smtp-sink.ts';
import { StoredFile } from './stored-file.entity.ts';

let sink: SmtpSink;
let srv: TestServer;
let api: JsonClient;

const PUBLIC_URL = 'http://taskvault.test';
useServerWithMail({ PUBLIC_URL, LOGIN_IP_MAX_ATTEMPTS: '10000' }, (env) => ({ sink, srv, api } = env));

type FileList = { items: FileMeta[]; page: { total: number } };

/** Signs up, verifies and logs in, through the legacy paths alone. */
async function legacyUser() {
  const identity = newIdentity('legacy');
  expect((await api.post('/api/signup/', identity)).status).toBe(201);
  const { uid, token } = await verificationLinkFor(sink, identity.email);
  expect((await api.get(`/api/verify-email/${uid}/${token}/`)).status).toBe(200);
  const login = await api.post<Ok<TokenPair>>('/api/login/', {
    username: identity.username,
    password: identity.password,
  });
  expect(login.status).toBe(200);
  return { identity, user: login.body.data.user, token: login.body.data.access };
}

const legacyUpload = (token: string | undefined, file = validFixtures.pdf, fields?: Record<string, string>) =>
  upload(srv.baseUrl, { token, file, path: '/api/upload/', ...(fields && { fields }) });

describe('Login Endpoint (api/login/)', () => {
  it('Login Endpoint (api/login/) — Valid Login: successful login with a status code of 200 and a response message', async () => {
    const { identity, user } = await legacyUser();
    const res = await api.post<Ok<TokenPair>>('/api/login/', {
      username: identity.username,
      password: identity.password,
    });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.message).toMatch(/logged in/i);
    expect(res.body.data).toMatchObject({
      tokenType: 'Bearer',
      user: { id: user.id, username: identity.username },
    });
    expect(res.body.data.access).toEqual(expect.any(String));
    // The token it gives works on the other legacy paths.
    const list = await api.get('/api/list-uploaded-files/', { token: res.body.data.access });
    expect(list.status).toBe(200);
  });

  it('Login Endpoint (api/login/) — Invalid Login: unauthorised access with a status code of 401 and an appropriate error message', async () => {
    const { identity } = await legacyUser();
    const wrongPassword = await api.post('/api/login/', {
      username: identity.username,
      password: 'not the right password at all',
    });
    const unknownUser = await api.post('/api/login/', {
      username: `nobody${identity.username}`,
      password: identity.password,
    });
    for (const res of [wrongPassword, unknownUser]) {
      const body = expectError(res, 401, 'INVALID_CREDENTIALS');
      expect(body.message).toMatch(/password|credentials|username/i);
    }
    // The same message either way: the answer does not tell which accounts exist.
    expect((wrongPassword.body as { message: string }).message).toBe(
      (unknownUser.body as { message: string }).message,
    );
  });
});

describe('File Upload (api/upload/)', () => {
  it('File Upload (api/upload/) — Valid File Upload: successful file upload with a status code of 201 and a success message', async () => {
    const { user, token } = await legacyUser();
    const fixture = validFixtures.png;
    const res = await legacyUpload(token, fixture, { description: 'From the legacy path' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.success).toBe(true);
    expect(res.body.message).toMatch(/uploaded/i);
    expect(res.body.data).toMatchObject({
      name: fixture.name,
      size: fixture.bytes.length,
      type: 'png',
      mimeType: 'image/png',
      sha256: sha256(fixture.bytes),
      description: 'From the legacy path',
      ownerId: user.id,
      taskId: null,
    });
    const row = await srv.orm.em.fork().findOne(StoredFile, { id: res.body.data.id });
    expect(row?.size).toBe(fixture.bytes.length);
    // Without a token the upload is refused.
    expectError(await legacyUpload(undefined, fixture), 401, 'UNAUTHENTICATED');
  });

  it('File Upload (api/upload/) — Invalid File Type Upload: rejection of the file upload with a status code of 400 and an error message', async () => {
    const { user, token } = await legacyUser();
    for (const file of [
      rejectedFixtures.disallowedExtension,
      rejectedFixtures.exeAsPng,
      rejectedFixtures.noExtension,
    ]) {
      const body = expectError(await legacyUpload(token, file), 400, 'UNSUPPORTED_FILE_TYPE');
      // The message says what is accepted.
      expect(body.message, file.name).toMatch(/Allowed: .*\.pdf/);
    }
    expect(await srv.orm.em.fork().count(StoredFile, { owner: user.id })).toBe(0);
  });
});

describe('User Signup (api/signup/)', () => {
  it('User Signup (api/signup/) — Valid User Signup: successful user registration with a status code of 201 and a registration confirmation message', async () => {
    const identity = newIdentity('legacy');
    const res = await api.post<Ok<null>>('/api/signup/', {
      ...identity,
      firstName: 'Ada',
      lastName: 'Lovelace',
    });
    expect(res.status).toBe(201);
    expect(res.body.success).toBe(true);
    expect(res.body.message).toMatch(/registration/i);
    expect(res.body.message).toMatch(/verification/i);
    // No user in the answer: it would tell a new account from an email that already has one.
    expect(res.body.data).toBeNull();
    // The confirmation email carries the legacy-shaped link.
    const { mail, uid, token } = await verificationLinkFor(sink, identity.email);
    expect(mail.text).toContain(`${PUBLIC_URL}/verify-email/${uid}/`);
    expect((await api.get(`/api/verify-email/${uid}/${token}/`)).status).toBe(200);
    const login = await api.post<Ok<TokenPair>>('/api/login/', {
      username: identity.username,
      password: identity.password,
    });
    expect(login.body.data.user).toMatchObject({ id: uid, firstName: 'Ada', lastName: 'Lovelace' });
  });

  it('User Signup (api/signup/) — Invalid User Signup: rejection of user registration with a status code of 400 and appropriate error messages', async () => {
    const body = expectInvalid(
      await api.post('/api/signup/', { email: 'not-an-email', username: 'a b', password: 'short' }),
      ['email', 'username', 'password'],
    );
    for (const messages of Object.values(body.errors ?? {})) expect(messages.length).toBeGreaterThan(0);
    expectInvalid(await api.post('/api/signup/', {}), ['email', 'username', 'password']);
    const identity = newIdentity('legacy');
    expectInvalid(await api.post('/api/signup/', { ...identity, isAdmin: true }), ['isAdmin']);
    // None of these created an account: the valid identity can still sign up.
    expect((await api.post('/api/signup/', identity)).status).toBe(201);
  });
});

describe('Email Verification (api/verify-email/uid/token/)', () => {
  it('Email Verification (api/verify-email/uid/token/) — Valid Email Verification: successful email verification with a status code of 200 and a verification confirmation message', async () => {
    const identity = newIdentity('legacy');
    expect((await api.post('/api/signup/', identity)).status).toBe(201);
    // Before verification, logging in is refused.
    const early = await api.post('/api/login/', { username: identity.username, password: identity.password });
    expectError(early, 403, 'EMAIL_NOT_VERIFIED');

    const { uid, token } = await verificationLinkFor(sink, identity.email);
    const res = await api.get<Ok<null>>(`/api/verify-email/${uid}/${token}/`);
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.message).toMatch(/verified/i);
    const login = await api.post<Ok<TokenPair>>('/api/login/', {
      username: identity.username,
      password: identity.password,
    });
    expect(login.status).toBe(200);
    expect(login.body.data.user.emailVerified).toBe(true);
  });

  it('Email Verification (api/verify-email/uid/token/) — Invalid Email Verification: unsuccessful email verification with a status code of 400 and an error message', async () => {
    const identity = newIdentity('legacy');
    expect((await api.post('/api/signup/', identity)).status).toBe(201);
    const { uid, token } = await verificationLinkFor(sink, identity.email);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const tampered = `${token.slice(0, -1)}${last}`;
    for (const path of [
      `/api/verify-email/${uid}/${tampered}/`,
      `/api/verify-email/${uid}/garbage/`,
      `/api/verify-email/not-a-uid/${token}/`,
    ]) {
      const res = await api.get(path);
      expect(res.status, path).toBe(400);
      const body = res.body as { success: boolean; message: string };
      expect(body.success, path).toBe(false);
      expect(body.message.length, path).toBeGreaterThan(0);
    }
    expectError(await api.get(`/api/verify-email/${uid}/${tampered}/`), 400, 'INVALID_LINK');
    // The genuine link still works once; used, it is spent.
    expect((await api.get(`/api/verify-email/${uid}/${token}/`)).status).toBe(200);
    expectError(await api.get(`/api/verify-email/${uid}/${token}/`), 400, 'INVALID_LINK');
  });
});

describe('Download file (api/download-file/file-id/)', () => {
  it('Download file (api/download-file/file-id/) — Valid File Download: successful file download with a valid download link and a status code of 200', async () => {
    const { token } = await legacyUser();
    const fixture = validFixtures.docx;
    const uploaded = await legacyUpload(token, fixture);
    expect(uploaded.status).toBe(201);
    const id = uploaded.body.data.id;

    const res = await api.get<Ok<DownloadLink>>(`/api/download-file/${id}/`, { token });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    const { url, expiresAt } = res.body.data;
    expect(url.startsWith(`${PUBLIC_URL}/api/v1/files/${id}/content?`)).toBe(true);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());

    // The link works without a token, and gives the very bytes uploaded.
    const content = await fetchBytes(localUrl(srv.baseUrl, url));
    expect(content.status).toBe(200);
    expect(sha256(content.bytes)).toBe(sha256(fixture.bytes));
    expect(content.headers.get('content-disposition')).toContain(fixture.name);

    // Someone else's file, or no such file: 404; no token: 401.
    const other = await legacyUser();
    expectError(await api.get(`/api/download-file/${id}/`, { token: other.token }), 404, 'NOT_FOUND');
    expectError(
      await api.get(`/api/download-file/00000000-0000-4000-8000-000000000000/`, { token }),
      404,
      'NOT_FOUND',
    );
    expectError(await api.get(`/api/download-file/${id}/`), 401, 'UNAUTHENTICATED');
  });
});

describe('List All Uploaded Files (api/list-uploaded-files/)', () => {
  it('List All Uploaded Files (api/list-uploaded-files/) — List Uploaded Files: successfully retrieve a list of uploaded files with a status code of 200', async () => {
    const { user, token } = await legacyUser();
    const empty = await api.get<Ok<FileList>>('/api/list-uploaded-files/', { token });
    expect(empty.status).toBe(200);
    expect(empty.body.data).toMatchObject({ items: [], page: { total: 0 } });

    const ids: string[] = [];
    for (const file of [validFixtures.pdf, validFixtures.txt, validFixtures.jpeg]) {
      const res = await legacyUpload(token, file);
      expect(res.status).toBe(201);
      ids.push(res.body.data.id);
    }
    // Another user's file is not listed.
    const other = await legacyUser();
    expect((await legacyUpload(other.token, validFixtures.gif)).status).toBe(201);

    const res = await api.get<Ok<FileList>>('/api/list-uploaded-files/', { token });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.message.length).toBeGreaterThan(0);
    expect(res.body.data.page.total).toBe(3);
    // Newest first.
    expect(res.body.data.items.map((f) => f.id)).toEqual([...ids].reverse());
    for (const item of res.body.data.items) expect(item.ownerId).toBe(user.id);
    expect(res.body.data.items.map((f) => f.name).sort()).toEqual(
      [validFixtures.pdf.name, validFixtures.txt.name, validFixtures.jpeg.name].sort(),
    );

    expectError(await api.get('/api/list-uploaded-files/'), 401, 'UNAUTHENTICATED');
  });
});

describe('the OpenAPI document', () => {
  it('marks the six legacy paths deprecated, and their /api/v1 counterparts not', async () => {
    const res = await api.get<{ paths: Record<string, Record<string, { deprecated?: boolean }>> }>(
      '/api/v1/openapi.json',
    );
    expect(res.status).toBe(200);
    const { paths } = res.body;
    const legacy: [path: string, method: string][] = [
      ['/api/signup/', 'post'],
      ['/api/login/', 'post'],
      ['/api/verify-email/{uid}/{token}/', 'get'],
      ['/api/upload/', 'post'],
      ['/api/list-uploaded-files/', 'get'],
      ['/api/download-file/{id}/', 'get'],
    ];
    for (const [path, method] of legacy)
      expect(paths[path]?.[method]?.deprecated, `${method} ${path}`).toBe(true);
    const current: [path: string, method: string][] = [
      ['/api/v1/auth/register', 'post'],
      ['/api/v1/auth/login', 'post'],
      ['/api/v1/files', 'post'],
      ['/api/v1/files', 'get'],
      ['/api/v1/files/{id}/download-link', 'post'],
    ];
    for (const [path, method] of current) {
      expect(paths[path]?.[method], `${method} ${path}`).toBeDefined();
      expect(paths[path]?.[method]?.deprecated, `${method} ${path}`).not.toBe(true);
    }
    // No other path is deprecated.
    const deprecated = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.deprecated === true)
        .map(([method]) => `${method} ${path}`),
    );
    expect(deprecated.sort()).toEqual(legacy.map(([path, method]) => `${method} ${path}`).sort());
  });
});
