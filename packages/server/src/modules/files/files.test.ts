/**
 * File uploads over real HTTP on a real database: upload and its refusals, the size limit and the quota,
 * file names, listing, one file's life (get, attach, delete), signed download links with ranges, files
 * of tasks and of deleted users. The storage folder is read directly to check that no blob outlives its
 * row and that refused uploads leave no temporary blob behind.
 */
import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  FILE_TYPE_NAMES,
  FILE_TYPES,
  type FileMeta,
  type FileRules,
  type PageInfo,
  type Profile,
  type StorageUsage,
  type Task,
  type TaskDetail,
} from '@taskvault/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  expectError,
  expectInvalid,
  newIdentity,
  signUpVerifiedUser,
  type JsonClient,
  type Ok,
  type Res,
} from '../../../test/api.ts';
import {
  largeTextFixture,
  rejectedFixtures,
  sha256,
  utf8SplitAcrossChunks,
  validFixtures,
  type Fixture,
} from '../../../test/file-fixtures.ts';
import { downloadLink, fetchBytes, upload } from '../../../test/files-api.ts';
import type { TestServer } from '../../../test/harness.ts';
import { useServerWithMail, type ServerWithMail } from '../../../test/server-with-mail.ts';

/** A signed-in caller: their user id and access token. */
type Session = { id: string; token: string };
type Page = { items: FileMeta[]; page: PageInfo };
type Body = NonNullable<RequestInit['body']>;

const files = '/api/v1/files';
const PUBLIC_URL = 'http://taskvault.test';
/** The main server's upload limit: small enough to exceed quickly, large enough for the 3-chunk fixture. */
const MAX_UPLOAD = 256 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A signature with its first character changed (to another one, whatever it was). */
const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
/** A link's path and query, to follow it with `raw` on the test server. */
const pathOf = (link: string) => {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
};

/** A text file under `name`; its content names it, so two files rarely share bytes by accident. */
const textFile = (name: string, content = `The content of ${name}\n`): Fixture => ({
  name,
  bytes: Buffer.from(content, 'utf8'),
});

/** Everything a test needs to talk to one server: its users, HTTP helpers, and its storage folder. */
function client(env: () => ServerWithMail) {
  const srv = (): TestServer => env().srv;
  const api = (): JsonClient => env().api;

  const newUser = async (prefix = 'files'): Promise<Session> => {
    const s = await signUpVerifiedUser(srv(), env().sink, newIdentity(prefix));
    return { id: s.user.id, token: s.tokens.access };
  };

  const send = (who: Session | undefined, file: Fixture | undefined, fields?: Record<string, string>) =>
    upload(srv().baseUrl, { file, token: who?.token, ...(fields ? { fields } : {}) });

  /** Uploads and returns the metadata; fails the test unless the answer is 201. */
  const uploaded = async (who: Session, file: Fixture, fields?: Record<string, string>) => {
    const res = await send(who, file, fields);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.data;
  };

  /** Any request over real HTTP with a bearer token; the body is parsed as JSON when there is one. */
  const raw = async <T = unknown>(
    method: string,
    url: string,
    init: { token?: string | undefined; body?: Body; headers?: Record<string, string> } = {},
  ): Promise<Res<T>> => {
    const res = await fetch(`${srv().baseUrl}${url}`, {
      method,
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
  };

  const list = async (who: Session, query = '') => {
    const res = await api().get<Ok<Page>>(`${files}${query ? `?${query}` : ''}`, { token: who.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data;
  };

  /** Every page of a list, following `nextCursor`; fails on a repeated id. */
  const listAll = async (who: Session, query = '', limit = 100) => {
    const seen: FileMeta[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 200; pages++) {
      const q = [query, `limit=${limit}`, cursor ? `cursor=${encodeURIComponent(cursor)}` : '']
        .filter(Boolean)
        .join('&');
      const page = await list(who, q);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items);
      cursor = page.page.nextCursor;
      if (!cursor) break;
    }
    expect(cursor, 'the walk ended').toBeNull();
    const ids = seen.map((f) => f.id);
    expect(new Set(ids).size, 'no file twice').toBe(ids.length);
    return seen;
  };

  const storageOf = async (who: Session): Promise<StorageUsage> => {
    const res = await api().get<Ok<Profile>>('/api/v1/auth/profile', { token: who.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data.storage;
  };

  /** A download link for the file, as its owner (or an admin) asks for it; fails unless 200. */
  const linkTo = async (who: Session, id: string) => {
    const res = await downloadLink(srv().baseUrl, who.token, id);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { ...res.body.data, local: res.local };
  };

  const storageDir = (): string => {
    const storage = srv().config.storage;
    if (storage.engine !== 'disk') throw new Error('These tests read the disk storage folder');
    return storage.dir;
  };
  const blobPath = (id: string) => path.join(storageDir(), 'blobs', id);
  const blobExists = async (id: string) =>
    stat(blobPath(id)).then(
      () => true,
      () => false,
    );
  const entries = async (folder: string): Promise<string[]> =>
    readdir(path.join(storageDir(), folder)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
  /**
   * The temporary folder ends up empty: a failed upload's temporary blob is discarded as its request ends,
   * which may be a moment after the client has read the answer.
   */
  const expectNoTemporaryBlobs = async () => {
    let left = await entries('tmp');
    for (let i = 0; i < 40 && left.length > 0; i++) {
      await sleep(50);
      left = await entries('tmp');
    }
    expect(left, 'temporary blobs left behind').toEqual([]);
  };

  return {
    srv,
    api,
    newUser,
    send,
    uploaded,
    raw,
    list,
    listAll,
    storageOf,
    linkTo,
    blobPath,
    blobExists,
    entries,
    expectNoTemporaryBlobs,
  };
}

let main: ServerWithMail;
const t = client(() => main);
let admin: Session;
let alice: Session;
let bob: Session;

// Every request comes from 127.0.0.1: lift the per-address limit on logins.
useServerWithMail(
  { PUBLIC_URL, LOGIN_IP_MAX_ATTEMPTS: '100000', MAX_UPLOAD_BYTES: String(MAX_UPLOAD) },
  (env) => (main = env),
);
beforeAll(async () => {
  const a = await adminSession(t.srv());
  admin = { id: a.tokens.user.id, token: a.tokens.access };
  alice = await t.newUser();
  bob = await t.newUser();
});

async function createTask(who: Session): Promise<Task> {
  const res = await t
    .api()
    .post<Ok<Task>>('/api/v1/tasks', { title: `Task ${randomUUID().slice(0, 8)}` }, { token: who.token });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

describe('upload: accepted types', () => {
  it.each(FILE_TYPE_NAMES)('accepts a valid %s file and gives back exactly its bytes', async (type) => {
    const fixture = validFixtures[type];
    const before = Date.now();
    const res = await t.send(alice, fixture);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ success: true, message: expect.any(String) as string });
    const meta = res.body.data;
    expect(meta).toEqual({
      id: expect.stringMatching(UUID) as string,
      name: fixture.name,
      size: fixture.bytes.length,
      type,
      mimeType: FILE_TYPES[type].mimeType,
      sha256: sha256(fixture.bytes),
      description: '',
      taskId: null,
      ownerId: alice.id,
      createdAt: expect.any(String) as string,
    });
    const created = Date.parse(meta.createdAt);
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(Date.now() + 1000);

    const link = await t.linkTo(alice, meta.id);
    const got = await fetchBytes(link.local);
    expect(got.status).toBe(200);
    expect(sha256(got.bytes)).toBe(sha256(fixture.bytes));
    expect(got.bytes.equals(fixture.bytes)).toBe(true);
    const textual = FILE_TYPES[type].kind === 'text';
    expect(got.headers.get('content-type')).toBe(
      textual ? `${FILE_TYPES[type].mimeType}; charset=utf-8` : FILE_TYPES[type].mimeType,
    );
    // The content is kept under the file's id.
    expect(await t.blobExists(meta.id)).toBe(true);
  });

  it('keeps the description and answers GET /files/:id with the same metadata', async () => {
    const meta = await t.uploaded(alice, textFile('described.txt'), { description: '  For the report  ' });
    expect(meta.description).toBe('For the report');
    const res = await t.api().get<Ok<FileMeta>>(`${files}/${meta.id}`, { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(meta);
  });

  it('accepts UTF-8 text whose multi-byte characters straddle the 64 KiB chunk boundaries', async () => {
    const meta = await t.uploaded(alice, utf8SplitAcrossChunks);
    expect(meta).toMatchObject({ type: 'txt', size: utf8SplitAcrossChunks.bytes.length });
    expect(meta.sha256).toBe(sha256(utf8SplitAcrossChunks.bytes));
    const got = await fetchBytes((await t.linkTo(alice, meta.id)).local);
    expect(got.bytes.equals(utf8SplitAcrossChunks.bytes)).toBe(true);
  });

  it('tells what it accepts at GET /files/rules', async () => {
    const res = await t.api().get<Ok<FileRules>>(`${files}/rules`, { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body.data.maxUploadBytes).toBe(MAX_UPLOAD);
    expect(res.body.data.downloadLinkTtlSeconds).toBe(300);
    expect(res.body.data.allowedTypes.map((a) => a.type).sort()).toEqual([...FILE_TYPE_NAMES].sort());
    expect(res.body.data.allowedTypes.find((a) => a.type === 'jpeg')).toEqual({
      type: 'jpeg',
      extensions: ['jpg', 'jpeg'],
      mimeType: 'image/jpeg',
    });
  });
});

describe('upload: refused content', () => {
  let carol: Session;
  beforeAll(async () => {
    carol = await t.newUser();
  });

  it.each(Object.entries(rejectedFixtures))(
    '%s → 400 UNSUPPORTED_FILE_TYPE naming the allowed types, and nothing kept',
    async (_case, fixture) => {
      const res = await t.send(carol, fixture);
      const body = expectError(res, 400, 'UNSUPPORTED_FILE_TYPE');
      expect(body.message).toContain('.pdf');
      expect(body.message).toContain('.png');
      expect(body.message).toContain('.txt');
      expect((await t.list(carol)).page.total).toBe(0);
      expect(await t.storageOf(carol)).toEqual({ usedBytes: 0, quotaBytes: 1024 ** 3, fileCount: 0 });
      await t.expectNoTemporaryBlobs();
    },
  );

  it('judges the type by the extension and the content, never by the part’s declared Content-Type', async () => {
    const form = new FormData();
    form.append('file', new Blob(['#!/bin/sh\necho hi\n'], { type: 'image/png' }), 'run.sh');
    expectError(await t.raw('POST', files, { token: carol.token, body: form }), 400, 'UNSUPPORTED_FILE_TYPE');
    const ok = new FormData();
    ok.append('file', new Blob([validFixtures.png.bytes], { type: 'application/x-msdownload' }), 'pixel.png');
    const res = await t.raw<Ok<FileMeta>>('POST', files, { token: carol.token, body: ok });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toMatchObject({ type: 'png', mimeType: 'image/png' });
  });

  it('accepts an upper-case extension of an allowed type', async () => {
    const meta = await t.uploaded(carol, { name: 'SCAN.PDF', bytes: validFixtures.pdf.bytes });
    expect(meta).toMatchObject({ name: 'SCAN.PDF', type: 'pdf', mimeType: 'application/pdf' });
  });

  // Text is binary-free by the UTF-8 and NUL checks already; a sniffer's match on its first bytes only
  // means something when it names a binary type in disguise (a PDF is ASCII and would pass as text).
  it.each([
    ['bmi.csv', 'BMI,weight,height\n22.5,70,176\n'], // "BM": a bitmap's two-byte signature
    ['cars.txt', 'BMW 320i, 2019, blue\n'],
    ['garage.md', 'MZ Motors: service on Monday\n'], // "MZ": a DOS executable's
    ['id3.txt', 'ID3 tags explained: title, artist, album\n'], // "ID3": an MP3's
  ])('accepts text that merely starts like a binary signature: %s', async (name, content) => {
    const meta = await t.uploaded(carol, textFile(name, content));
    expect(meta.size).toBe(Buffer.byteLength(content));
  });

  it.each([
    ['layout.txt', '<?xml version="1.0" encoding="UTF-8"?>\n<note>Call Anna</note>\n'],
    ['contact.txt', 'BEGIN:VCARD\nVERSION:3.0\nFN:Anna\nEND:VCARD\n'],
  ])('accepts a text format that is not binary under a text extension: %s', async (name, content) => {
    const meta = await t.uploaded(carol, textFile(name, content));
    expect(meta.type).toBe('txt');
  });
});

describe('upload: size limit and storage use', () => {
  let dave: Session;
  beforeAll(async () => {
    dave = await t.newUser();
  });

  it('shows a new user an empty storage with the configured quota in the profile', async () => {
    expect(await t.storageOf(dave)).toEqual({ usedBytes: 0, quotaBytes: 1024 ** 3, fileCount: 0 });
  });

  it('accepts a file of exactly MAX_UPLOAD_BYTES', async () => {
    const meta = await t.uploaded(dave, largeTextFixture(MAX_UPLOAD));
    expect(meta.size).toBe(MAX_UPLOAD);
    expect(await t.storageOf(dave)).toEqual({ usedBytes: MAX_UPLOAD, quotaBytes: 1024 ** 3, fileCount: 1 });
  });

  it('refuses one byte more with 413 PAYLOAD_TOO_LARGE, keeping nothing', async () => {
    const before = await t.storageOf(dave);
    const ids = (await t.listAll(dave)).map((f) => f.id);
    const res = await t.send(dave, largeTextFixture(MAX_UPLOAD + 1));
    const body = expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(body.message).toContain('256 KiB');
    expect((await t.listAll(dave)).map((f) => f.id)).toEqual(ids);
    expect(await t.storageOf(dave)).toEqual(before);
    await t.expectNoTemporaryBlobs();
  });

  it('refuses a file far over the limit just the same, answering before it has all arrived', async () => {
    const before = await t.storageOf(dave);
    expectError(await t.send(dave, largeTextFixture(3 * MAX_UPLOAD)), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await t.send(dave, largeTextFixture(20 * MAX_UPLOAD)), 413, 'PAYLOAD_TOO_LARGE');
    // A large file refused for its name alone is answered just as cleanly.
    const big = { name: 'big.exe', bytes: largeTextFixture(20 * MAX_UPLOAD).bytes };
    expectError(await t.send(dave, big), 400, 'UNSUPPORTED_FILE_TYPE');
    expect(await t.storageOf(dave)).toEqual(before);
    await t.expectNoTemporaryBlobs();
  });

  it('counts each upload in the profile and gives the space back on delete', async () => {
    const start = await t.storageOf(dave);
    const a = await t.uploaded(dave, textFile('one.txt', 'x'.repeat(100)));
    const b = await t.uploaded(dave, validFixtures.png);
    expect(await t.storageOf(dave)).toEqual({
      ...start,
      usedBytes: start.usedBytes + 100 + validFixtures.png.bytes.length,
      fileCount: start.fileCount + 2,
    });
    expect((await t.api().delete(`${files}/${a.id}`, { token: dave.token })).status).toBe(204);
    expect(await t.storageOf(dave)).toEqual({
      ...start,
      usedBytes: start.usedBytes + validFixtures.png.bytes.length,
      fileCount: start.fileCount + 1,
    });
    expect((await t.api().delete(`${files}/${b.id}`, { token: dave.token })).status).toBe(204);
    expect(await t.storageOf(dave)).toEqual(start);
  });

  it('shows the storage use in the answer to a profile update too', async () => {
    const file = await t.uploaded(dave, textFile('profile.txt', 'p'.repeat(42)));
    const expected = await t.storageOf(dave);
    const res = await t
      .api()
      .patch<Ok<Profile>>('/api/v1/auth/profile', { firstName: 'Dave' }, { token: dave.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.storage).toEqual(expected);
    expect((await t.api().delete(`${files}/${file.id}`, { token: dave.token })).status).toBe(204);
  });

  it("does not count other users' files", async () => {
    const before = await t.storageOf(dave);
    await t.uploaded(bob, textFile('bobs.txt'));
    expect(await t.storageOf(dave)).toEqual(before);
  });
});

describe('upload: malformed requests', () => {
  const form = (...parts: [string, string | Blob, string?][]) => {
    const f = new FormData();
    for (const [name, value, filename] of parts)
      if (typeof value === 'string') f.append(name, value);
      else f.append(name, value, filename);
    return f;
  };
  const blob = (text = 'hello\n') => new Blob([text]);
  const post = (body: Body, headers: Record<string, string> = {}, token: string | undefined = alice.token) =>
    t.raw('POST', files, { token, body, headers });

  it('no file part → 400 naming `file`', async () => {
    expectInvalid(await post(form(['description', 'no file'])), ['file']);
    expectInvalid(await t.send(alice, undefined), ['file']);
  });

  it('two file parts → 400 naming `file`', async () => {
    const before = await t.storageOf(alice);
    expectInvalid(await post(form(['file', blob(), 'a.txt'], ['file', blob(), 'b.txt'])), ['file']);
    expect(await t.storageOf(alice)).toEqual(before);
    await t.expectNoTemporaryBlobs();
  });

  it('an empty file → 400 naming `file`', async () => {
    expectInvalid(await t.send(alice, textFile('empty.txt', '')), ['file']);
    expectInvalid(await t.send(alice, { name: 'empty.png', bytes: Buffer.alloc(0) }), ['file']);
    await t.expectNoTemporaryBlobs();
  });

  it('an unknown text field → 400 naming it, and the file is not kept', async () => {
    const before = await t.storageOf(alice);
    expectInvalid(await t.send(alice, textFile('extra.txt'), { colour: 'blue' }), ['colour']);
    expect(await t.storageOf(alice)).toEqual(before);
    await t.expectNoTemporaryBlobs();
  });

  it('a file part under another name → 400 naming it', async () => {
    expectInvalid(await post(form(['attachment', blob(), 'a.txt'])), ['attachment']);
  });

  it('a text field named `file` → 400 naming `file`', async () => {
    expectInvalid(await post(form(['file', 'just some text'])), ['file']);
  });

  it('a taskId that is not a uuid → 400 naming `taskId`, and the file is not kept', async () => {
    const before = await t.storageOf(alice);
    expectInvalid(await t.send(alice, textFile('task.txt'), { taskId: 'not-a-uuid' }), ['taskId']);
    expect(await t.storageOf(alice)).toEqual(before);
    await t.expectNoTemporaryBlobs();
  });

  it('a description over 1000 characters → 400 naming `description`', async () => {
    expectInvalid(await t.send(alice, textFile('long.txt'), { description: 'd'.repeat(1001) }), [
      'description',
    ]);
  });

  it('the same text field twice → 400 naming it', async () => {
    expectInvalid(await post(form(['description', 'a'], ['description', 'b'], ['file', blob(), 'a.txt'])), [
      'description',
    ]);
  });

  it('a JSON body → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await post(JSON.stringify({ file: 'aGVsbG8=' }), { 'content-type': 'application/json' });
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('no token → 401, and nothing is stored', async () => {
    const before = await t.entries('blobs');
    expectError(await t.send(undefined, textFile('anon.txt')), 401, 'UNAUTHENTICATED');
    expectError(await post(form(['file', blob(), 'a.txt']), {}, 'not-a-valid-token'), 401, 'UNAUTHENTICATED');
    // The token is checked before the form is read: neither the type nor the size gets a say.
    expectError(await t.send(undefined, rejectedFixtures.disallowedExtension), 401, 'UNAUTHENTICATED');
    expectError(await t.send(undefined, largeTextFixture(MAX_UPLOAD + 1)), 401, 'UNAUTHENTICATED');
    expect((await t.entries('blobs')).sort()).toEqual(before.sort());
    await t.expectNoTemporaryBlobs();
  });

  it('multipart without a boundary → 400, not 500', async () => {
    const res = await post('--x\r\n', { 'content-type': 'multipart/form-data' });
    expectError(res, 400, 'VALIDATION_FAILED');
  });

  it('garbage under a multipart content type → 400, not 500', async () => {
    const res = await post('this is not a multipart body at all', {
      'content-type': 'multipart/form-data; boundary=XyZ',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
  });

  it('a form cut off in the middle of the file part → 400, not 500, and nothing kept', async () => {
    const body =
      '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="cut.txt"\r\n' +
      'Content-Type: text/plain\r\n\r\nthe file starts here and the form never ends';
    const res = await post(body, { 'content-type': 'multipart/form-data; boundary=XyZ' });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    await t.expectNoTemporaryBlobs();
  });
});

describe('upload: file names', () => {
  it.each([
    ['../../etc/passwd.txt', 'passwd.txt'],
    ['C:\\fakepath\\a.txt', 'a.txt'],
    ['/var/tmp/deep/notes.md', 'notes.md'],
  ])('keeps only the last segment of %j', async (raw, kept) => {
    const meta = await t.uploaded(alice, textFile(raw));
    expect(meta.name).toBe(kept);
  });

  it('removes control characters and a right-to-left override', async () => {
    const meta = await t.uploaded(alice, textFile('in\u0007voice\u202Egpj.txt'));
    expect(meta.name).toBe('invoicegpj.txt');
    const zeroWidth = await t.uploaded(alice, textFile('re\u200Bport\u0001.txt'));
    expect(zeroWidth.name).toBe('report.txt');
  });

  it('collapses runs of white space and trims the ends', async () => {
    const meta = await t.uploaded(alice, textFile('  my    weekly  notes .txt '));
    expect(meta.name).toBe('my weekly notes .txt');
  });

  it('cuts a very long name to 200 characters, keeping the extension', async () => {
    const meta = await t.uploaded(alice, textFile(`${'a'.repeat(300)}.txt`));
    expect(meta.name.length).toBe(200);
    expect(meta.name).toBe(`${'a'.repeat(196)}.txt`);
    const wide = await t.uploaded(alice, textFile(`${'é✓🚀'.repeat(100)}.json`, '{}\n'));
    expect([...wide.name].length).toBeLessThanOrEqual(200);
    expect(wide.name.endsWith('.json')).toBe(true);
    expect(wide.type).toBe('json');
  });

  it('gives a non-ASCII name back in Content-Disposition: an ASCII fallback and filename*', async () => {
    const name = 'résumé ✓.txt';
    const meta = await t.uploaded(alice, textFile(name));
    expect(meta.name).toBe(name);
    const got = await fetchBytes((await t.linkTo(alice, meta.id)).local);
    expect(got.status).toBe(200);
    const disposition = got.headers.get('content-disposition') ?? '';
    expect(disposition.startsWith('attachment;')).toBe(true);
    const fallback = /filename="([^"]*)"/.exec(disposition)?.[1];
    expect(fallback).toBeDefined();
    expect(fallback).toMatch(/^[\x20-\x7e]+$/);
    expect(fallback).toBe('resume _.txt');
    const encoded = /filename\*=UTF-8''([^;\s]+)/.exec(disposition)?.[1];
    expect(encoded).toBeDefined();
    expect(decodeURIComponent(encoded!)).toBe(name);
  });

  it('never lets a quote break out of the fallback filename', async () => {
    // Browsers send a quote in a file name as %22; a hand-written client may escape it instead.
    const body =
      '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="say \\"hi\\".txt"\r\n' +
      'Content-Type: text/plain\r\n\r\nhello\n\r\n--XyZ--\r\n';
    const res = await t.raw<Ok<FileMeta>>('POST', files, {
      token: alice.token,
      body,
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data.name).toBe('say "hi".txt');
    const got = await fetchBytes((await t.linkTo(alice, res.body.data.id)).local);
    expect(got.bytes.toString()).toBe('hello\n');
    const disposition = got.headers.get('content-disposition');
    expect(disposition).toBe(`attachment; filename="say _hi_.txt"; filename*=UTF-8''say%20%22hi%22.txt`);
  });
});

describe('list', () => {
  let erin: Session;
  let frank: Session;
  let erinTask: Task;
  /** Erin's files, by name. */
  const mine = new Map<string, FileMeta>();
  // Names in plain lower-case letters: every database collation orders them as JavaScript does.
  const NAMES = ['delta.txt', 'alpha.txt', 'charlie.md', 'bravo.txt', 'alpha.txt', 'echo.csv'];

  beforeAll(async () => {
    erin = await t.newUser();
    frank = await t.newUser();
    erinTask = await createTask(erin);
    for (const [i, name] of NAMES.entries()) {
      // Sizes 10, 20, 30, 10, 20, 30: ties the sort must break by id.
      const meta = await t.uploaded(erin, textFile(name, `${'z'.repeat(10 * ((i % 3) + 1) - 1)}\n`));
      mine.set(`${name}#${i}`, meta);
    }
    mine.set('pixel', await t.uploaded(erin, validFixtures.png, { taskId: erinTask.id }));
    mine.set('special', await t.uploaded(erin, textFile('100%_Done.txt')));
    mine.set('lookalike', await t.uploaded(erin, textFile('100xxdone.txt')));
    await t.uploaded(frank, textFile('frank-alpha.txt'));
  });

  const all = () => [...mine.values()];
  const ids = (fs: FileMeta[]) => fs.map((f) => f.id);

  it('shows only your own files, newest first by default', async () => {
    const page = await t.list(erin, 'limit=100');
    expect(page.page.total).toBe(all().length);
    expect(ids(page.items).sort()).toEqual(ids(all()).sort());
    expect(page.items.every((f) => f.ownerId === erin.id)).toBe(true);
    const keys = page.items.map((f) => [f.createdAt, f.id] as const);
    const sorted = [...keys].sort(([a, ai], [b, bi]) => (a === b ? (ai < bi ? 1 : -1) : a < b ? 1 : -1));
    expect(keys).toEqual(sorted);
  });

  it("lets an admin see everyone's files with scope=all", async () => {
    const everything = await t.listAll(admin, 'scope=all');
    const owners = new Set(everything.map((f) => f.ownerId));
    expect(owners).toContain(erin.id);
    expect(owners).toContain(frank.id);
    expect(ids(everything)).toEqual(expect.arrayContaining(ids(all())));
    // Without scope, an admin sees only their own (none).
    expect((await t.list(admin)).page.total).toBe(0);
  });

  it('refuses scope=all to a user with 403', async () => {
    expectError(await t.api().get(`${files}?scope=all`, { token: erin.token }), 403, 'FORBIDDEN');
  });

  it('needs a token', async () => {
    expectError(await t.api().get(files), 401, 'UNAUTHENTICATED');
  });

  it('filters by task', async () => {
    const page = await t.list(erin, `taskId=${erinTask.id}`);
    expect(ids(page.items)).toEqual([mine.get('pixel')!.id]);
    expect(page.page.total).toBe(1);
    // Someone else's task: nothing, not their files.
    expect((await t.list(frank, `taskId=${erinTask.id}`)).page.total).toBe(0);
    expectInvalid(await t.api().get(`${files}?taskId=nope`, { token: erin.token }), ['taskId']);
  });

  it('filters by type', async () => {
    expect(ids((await t.list(erin, 'type=png')).items)).toEqual([mine.get('pixel')!.id]);
    const md = await t.list(erin, 'type=md');
    expect(md.items.map((f) => f.name)).toEqual(['charlie.md']);
    expect((await t.list(erin, 'type=pdf')).page.total).toBe(0);
    expectInvalid(await t.api().get(`${files}?type=exe`, { token: erin.token }), ['type']);
  });

  it('searches names in any case', async () => {
    const alphas = await t.list(erin, 'search=ALPHA');
    expect(alphas.items.map((f) => f.name).sort()).toEqual(['alpha.txt', 'alpha.txt']);
    const done = await t.list(erin, 'search=done');
    expect(done.items.map((f) => f.name).sort()).toEqual(['100%_Done.txt', '100xxdone.txt']);
  });

  it('finds a name whatever Unicode normalisation the search is written in', async () => {
    const meta = await t.uploaded(frank, textFile('Résumé final.txt'));
    const found = async (q: string) => ids((await t.list(frank, `search=${encodeURIComponent(q)}`)).items);
    expect(await found('RÉSUMÉ')).toEqual([meta.id]);
    // Names are kept in NFC; a search pasted from a macOS file name comes in NFD.
    expect(await found('Re\u0301sume\u0301')).toEqual([meta.id]);
  });

  it('takes % and _ in a search literally', async () => {
    expect((await t.list(erin, `search=${encodeURIComponent('%')}`)).items.map((f) => f.name)).toEqual([
      '100%_Done.txt',
    ]);
    expect((await t.list(erin, 'search=_')).items.map((f) => f.name)).toEqual(['100%_Done.txt']);
    expect((await t.list(erin, `search=${encodeURIComponent('0%_d')}`)).items.map((f) => f.name)).toEqual([
      '100%_Done.txt',
    ]);
    expect((await t.list(erin, `search=${encodeURIComponent('\\')}`)).page.total).toBe(0);
  });

  it('walks every file once with limit and cursor', async () => {
    const walked = await t.listAll(erin, '', 2);
    expect(walked).toHaveLength(all().length);
    expect(ids(walked).sort()).toEqual(ids(all()).sort());
    const first = await t.list(erin, 'limit=2');
    expect(first.page).toMatchObject({
      limit: 2,
      total: all().length,
      nextCursor: expect.any(String) as string,
    });
  });

  it('pages with offset too', async () => {
    const whole = ids((await t.list(erin, 'limit=100')).items);
    const second = await t.list(erin, 'limit=3&offset=3');
    expect(ids(second.items)).toEqual(whole.slice(3, 6));
  });

  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  it.each([
    ['name', 'asc'],
    ['name', 'desc'],
    ['size', 'asc'],
    ['size', 'desc'],
    ['createdAt', 'asc'],
  ] as const)('sorts by %s %s, ties by id, across cursor pages', async (sort, order) => {
    const walked = await t.listAll(erin, `sort=${sort}&order=${order}`, 2);
    const sign = order === 'asc' ? 1 : -1;
    const expected = [...all()].sort((a, b) => sign * (cmp(a[sort], b[sort]) || cmp(a.id, b.id)));
    expect(ids(walked)).toEqual(ids(expected));
  });

  it('refuses a cursor that is not one → 400 naming `cursor`', async () => {
    expectInvalid(await t.api().get(`${files}?cursor=garbage!!`, { token: erin.token }), ['cursor']);
    const forged = Buffer.from(JSON.stringify({ s: 'size:asc', k: 'x', id: randomUUID() })).toString(
      'base64url',
    );
    expectInvalid(await t.api().get(`${files}?sort=size&order=asc&cursor=${forged}`, { token: erin.token }), [
      'cursor',
    ]);
  });

  it('refuses a cursor made for another order → 400', async () => {
    const bySize = await t.list(erin, 'sort=size&order=asc&limit=1');
    const cursor = encodeURIComponent(bySize.page.nextCursor!);
    expectInvalid(await t.api().get(`${files}?sort=name&order=asc&cursor=${cursor}`, { token: erin.token }), [
      'cursor',
    ]);
  });

  it('refuses an unknown sort or a bad limit → 400', async () => {
    expectInvalid(await t.api().get(`${files}?sort=owner`, { token: erin.token }), ['sort']);
    expectInvalid(await t.api().get(`${files}?limit=0`, { token: erin.token }), ['limit']);
  });
});

describe('one file: get, update, delete', () => {
  let gina: Session;
  let henry: Session;
  beforeAll(async () => {
    gina = await t.newUser();
    henry = await t.newUser();
  });

  it("hides other users' files behind 404 on get, update, delete and download-link", async () => {
    const meta = await t.uploaded(gina, textFile('private.txt'));
    const as = { token: henry.token };
    expectError(await t.api().get(`${files}/${meta.id}`, as), 404, 'NOT_FOUND');
    expectError(
      await t.api().patch(`${files}/${meta.id}`, { description: 'mine now' }, as),
      404,
      'NOT_FOUND',
    );
    expectError(await t.api().delete(`${files}/${meta.id}`, as), 404, 'NOT_FOUND');
    expectError(await t.api().post(`${files}/${meta.id}/download-link`, undefined, as), 404, 'NOT_FOUND');
    // Nothing happened to it.
    const still = await t.api().get<Ok<FileMeta>>(`${files}/${meta.id}`, { token: gina.token });
    expect(still.body.data).toEqual(meta);
    expect(await t.blobExists(meta.id)).toBe(true);
  });

  it('lets an admin get any file', async () => {
    const meta = await t.uploaded(gina, textFile('audited.txt'));
    const res = await t.api().get<Ok<FileMeta>>(`${files}/${meta.id}`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(meta);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expectError(await t.api().get(`${files}/${randomUUID()}`, { token: gina.token }), 404, 'NOT_FOUND');
    expectInvalid(await t.api().get(`${files}/not-a-uuid`, { token: gina.token }), ['id']);
    expectError(await t.api().get(`${files}/${randomUUID()}`), 401, 'UNAUTHENTICATED');
  });

  it('attaches a file to your own task, detaches it with null, and changes its description', async () => {
    const task = await createTask(gina);
    const meta = await t.uploaded(gina, textFile('attach.txt'));
    const as = { token: gina.token };
    const attached = await t.api().patch<Ok<FileMeta>>(`${files}/${meta.id}`, { taskId: task.id }, as);
    expect(attached.status, JSON.stringify(attached.body)).toBe(200);
    expect(attached.body.data).toEqual({ ...meta, taskId: task.id });
    expect((await t.api().get<Ok<FileMeta>>(`${files}/${meta.id}`, as)).body.data.taskId).toBe(task.id);

    const described = await t.api().patch<Ok<FileMeta>>(`${files}/${meta.id}`, { description: 'v2' }, as);
    expect(described.body.data).toEqual({ ...meta, taskId: task.id, description: 'v2' });

    const detached = await t.api().patch<Ok<FileMeta>>(`${files}/${meta.id}`, { taskId: null }, as);
    expect(detached.status).toBe(200);
    expect(detached.body.data).toEqual({ ...meta, taskId: null, description: 'v2' });
    expect((await t.api().get<Ok<FileMeta>>(`${files}/${meta.id}`, as)).body.data.taskId).toBeNull();
  });

  it("refuses to attach a file to another user's task or an unknown one → 400 naming `taskId`", async () => {
    const theirs = await createTask(henry);
    const meta = await t.uploaded(gina, textFile('mine.txt'));
    const as = { token: gina.token };
    expectInvalid(await t.api().patch(`${files}/${meta.id}`, { taskId: theirs.id }, as), ['taskId']);
    expectInvalid(await t.api().patch(`${files}/${meta.id}`, { taskId: randomUUID() }, as), ['taskId']);
    expectInvalid(await t.api().patch(`${files}/${meta.id}`, { taskId: 'nope' }, as), ['taskId']);
    expect((await t.api().get<Ok<FileMeta>>(`${files}/${meta.id}`, as)).body.data.taskId).toBeNull();
  });

  it('refuses an empty or unknown change → 400', async () => {
    const meta = await t.uploaded(gina, textFile('patch.txt'));
    const as = { token: gina.token };
    expectError(await t.api().patch(`${files}/${meta.id}`, {}, as), 400, 'VALIDATION_FAILED');
    expectInvalid(await t.api().patch(`${files}/${meta.id}`, { description: 'x', name: 'x.txt' }, as), [
      'name',
    ]);
    expect((await t.api().get<Ok<FileMeta>>(`${files}/${meta.id}`, as)).body.data).toEqual(meta);
  });

  it('deletes a file: 204, then 404, its content gone from storage and its links dead', async () => {
    const meta = await t.uploaded(gina, textFile('doomed.txt'));
    const link = await t.linkTo(gina, meta.id);
    expect(await t.blobExists(meta.id)).toBe(true);
    const as = { token: gina.token };
    const res = await t.api().delete(`${files}/${meta.id}`, as);
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(await t.blobExists(meta.id)).toBe(false);
    expectError(await t.api().get(`${files}/${meta.id}`, as), 404, 'NOT_FOUND');
    expectError(await t.api().delete(`${files}/${meta.id}`, as), 404, 'NOT_FOUND');
    expectError(await t.api().post(`${files}/${meta.id}/download-link`, undefined, as), 404, 'NOT_FOUND');
    const followed = await t.raw('GET', pathOf(link.local));
    expectError(followed, 404, 'NOT_FOUND');
  });
});

describe('download links', () => {
  let ivy: Session;
  let alphabet: FileMeta;
  let other: FileMeta;
  const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'; // 36 bytes
  beforeAll(async () => {
    ivy = await t.newUser();
    alphabet = await t.uploaded(ivy, textFile('alphabet.txt', ALPHABET));
    other = await t.uploaded(ivy, validFixtures.pdf);
  });

  /** The link's path and query on the test server, with `change` applied to its query. */
  const altered = (local: string, change: (q: URLSearchParams, url: URL) => void) => {
    const url = new URL(local);
    change(url.searchParams, url);
    return `${url.pathname}?${url.searchParams.toString()}`;
  };

  it('makes an absolute link on PUBLIC_URL that expires after the TTL', async () => {
    const before = Date.now();
    const res = await t
      .api()
      .post<Ok<{ url: string; expiresAt: string }>>(`${files}/${alphabet.id}/download-link`, undefined, {
        token: ivy.token,
      });
    const after = Date.now();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(Object.keys(res.body.data).sort()).toEqual(['expiresAt', 'url']);
    const url = new URL(res.body.data.url);
    expect(url.origin).toBe(PUBLIC_URL);
    expect(url.pathname).toBe(`${files}/${alphabet.id}/content`);
    expect(url.searchParams.get('signature')).toEqual(expect.any(String));
    const expiresAt = Date.parse(res.body.data.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 300_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(after + 300_000);
    expect(Number(url.searchParams.get('expires')) * 1000).toBe(expiresAt);
  });

  it('needs a token to make a link', async () => {
    expectError(await t.api().post(`${files}/${alphabet.id}/download-link`), 401, 'UNAUTHENTICATED');
  });

  it('lets an admin make a link to any file', async () => {
    const link = await t.linkTo(admin, alphabet.id);
    expect((await fetchBytes(link.local)).bytes.toString()).toBe(ALPHABET);
  });

  it('serves the content without a token, with the headers a browser needs', async () => {
    const link = await t.linkTo(ivy, alphabet.id);
    const got = await fetchBytes(link.local);
    expect(got.status).toBe(200);
    expect(got.bytes.toString()).toBe(ALPHABET);
    expect(got.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(got.headers.get('content-length')).toBe('36');
    expect(got.headers.get('etag')).toBe(`"${sha256(Buffer.from(ALPHABET))}"`);
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.headers.get('content-disposition')).toMatch(/^attachment; filename="alphabet\.txt"/);
    expect(got.headers.get('accept-ranges')).toBe('bytes');
    expect(got.headers.get('cache-control')).toContain('no-store');

    const pdf = await fetchBytes((await t.linkTo(ivy, other.id)).local);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('etag')).toBe(`"${sha256(validFixtures.pdf.bytes)}"`);
    expect(pdf.bytes.equals(validFixtures.pdf.bytes)).toBe(true);
  });

  it('keeps working for a link used twice', async () => {
    const link = await t.linkTo(ivy, alphabet.id);
    expect((await fetchBytes(link.local)).status).toBe(200);
    expect((await fetchBytes(link.local)).status).toBe(200);
  });

  it('refuses a tampered signature with 403 INVALID_SIGNATURE', async () => {
    const { local } = await t.linkTo(ivy, alphabet.id);
    const tampered = altered(local, (q) => q.set('signature', flip(q.get('signature')!)));
    expectError(await t.raw('GET', tampered), 403, 'INVALID_SIGNATURE');
    const shortened = altered(local, (q) => q.set('signature', q.get('signature')!.slice(0, -1)));
    expectError(await t.raw('GET', shortened), 403, 'INVALID_SIGNATURE');
  });

  it('refuses a link whose expiry was moved with 403, not 410 or 200', async () => {
    const { local } = await t.linkTo(ivy, alphabet.id);
    const later = altered(local, (q) => q.set('expires', String(Number(q.get('expires')) + 3600)));
    expectError(await t.raw('GET', later), 403, 'INVALID_SIGNATURE');
    const past = altered(local, (q) => q.set('expires', '1'));
    expectError(await t.raw('GET', past), 403, 'INVALID_SIGNATURE');
  });

  it("refuses one file's signature for another file with 403", async () => {
    const { local } = await t.linkTo(ivy, alphabet.id);
    const swapped = altered(local, (_q, url) => {
      url.pathname = url.pathname.replace(alphabet.id, other.id);
    });
    expectError(await t.raw('GET', swapped), 403, 'INVALID_SIGNATURE');
    const unknown = altered(local, (_q, url) => {
      url.pathname = url.pathname.replace(alphabet.id, randomUUID());
    });
    expectError(await t.raw('GET', unknown), 403, 'INVALID_SIGNATURE');
  });

  it('refuses a link without its signature or expiry with 400', async () => {
    const { local } = await t.linkTo(ivy, alphabet.id);
    expectInvalid(
      await t.raw(
        'GET',
        altered(local, (q) => q.delete('signature')),
      ),
      ['signature'],
    );
    expectInvalid(
      await t.raw(
        'GET',
        altered(local, (q) => q.delete('expires')),
      ),
      ['expires'],
    );
    expectInvalid(
      await t.raw(
        'GET',
        altered(local, (q) => q.set('expires', 'soon')),
      ),
      ['expires'],
    );
  });

  it('ignores a bearer token: the signature alone decides', async () => {
    const { local } = await t.linkTo(ivy, alphabet.id);
    const stranger = await t.newUser();
    const res = await fetchBytes(local, { headers: { authorization: `Bearer ${stranger.token}` } });
    expect(res.status).toBe(200);
    const tampered = altered(local, (q) => q.set('signature', 'x'));
    expectError(await t.raw('GET', tampered, { token: ivy.token }), 403, 'INVALID_SIGNATURE');
  });

  describe('ranges', () => {
    let local: string;
    const size = ALPHABET.length;
    beforeAll(async () => {
      local = (await t.linkTo(ivy, alphabet.id)).local;
    });
    const get = (headers: Record<string, string>, method = 'GET') => fetchBytes(local, { method, headers });

    it.each([
      ['bytes=0-9', 0, 9],
      ['bytes=-5', size - 5, size - 1],
      ['bytes=10-', 10, size - 1],
      ['bytes=30-1000', 30, size - 1],
      ['bytes=35-35', 35, 35],
      ['bytes=-1000', 0, size - 1],
    ])('%s → 206 with exactly those bytes', async (range, start, end) => {
      const res = await get({ range });
      expect(res.status).toBe(206);
      expect(res.bytes.toString()).toBe(ALPHABET.slice(start, end + 1));
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers.get('content-length')).toBe(String(end - start + 1));
      expect(res.headers.get('etag')).toBe(`"${alphabet.sha256}"`);
    });

    it.each(['bytes=36-', 'bytes=36-40', 'bytes=1000-2000', 'bytes=-0'])(
      '%s → 416 RANGE_NOT_SATISFIABLE with Content-Range: bytes */size',
      async (range) => {
        const res = await t.raw('GET', pathOf(local), { headers: { range } });
        expectError(res, 416, 'RANGE_NOT_SATISFIABLE');
        expect(res.headers.get('content-range')).toBe(`bytes */${size}`);
      },
    );

    it.each(['bytes=0-1,3-4', 'bytes=5-2', 'items=0-3', 'bytes=abc'])(
      '%s (not one byte range we serve) → 200 with the whole file',
      async (range) => {
        const res = await get({ range });
        expect(res.status).toBe(200);
        expect(res.bytes.toString()).toBe(ALPHABET);
        expect(res.headers.get('content-range')).toBeNull();
      },
    );

    it('honours If-Range only while the ETag still matches', async () => {
      const stale = await get({ range: 'bytes=0-9', 'if-range': `"${'0'.repeat(64)}"` });
      expect(stale.status).toBe(200);
      expect(stale.bytes.toString()).toBe(ALPHABET);
      const fresh = await get({ range: 'bytes=0-9', 'if-range': `"${alphabet.sha256}"` });
      expect(fresh.status).toBe(206);
      expect(fresh.bytes.toString()).toBe('abcdefghij');
    });

    it('HEAD → 200 with Content-Length and the other headers, and no body', async () => {
      const res = await get({}, 'HEAD');
      expect(res.status).toBe(200);
      expect(res.bytes.length).toBe(0);
      expect(res.headers.get('content-length')).toBe(String(size));
      expect(res.headers.get('etag')).toBe(`"${alphabet.sha256}"`);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
    });

    it('HEAD with a range → 206 with the range length and no body', async () => {
      const res = await get({ range: 'bytes=0-9' }, 'HEAD');
      expect(res.status).toBe(206);
      expect(res.bytes.length).toBe(0);
      expect(res.headers.get('content-length')).toBe('10');
      expect(res.headers.get('content-range')).toBe(`bytes 0-9/${size}`);
    });
  });
});

describe('files and tasks', () => {
  let jack: Session;
  let kate: Session;
  beforeAll(async () => {
    jack = await t.newUser();
    kate = await t.newUser();
  });
  const taskOf = async (who: Session, id: string) => {
    const res = await t.api().get<Ok<TaskDetail>>(`/api/v1/tasks/${id}`, { token: who.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data;
  };

  it('attaches an upload to your own task, which then lists it', async () => {
    const task = await createTask(jack);
    expect((await taskOf(jack, task.id)).files).toEqual([]);
    const a = await t.uploaded(jack, textFile('spec.txt'), { taskId: task.id });
    const b = await t.uploaded(jack, validFixtures.png, { taskId: task.id, description: 'mock-up' });
    await t.uploaded(jack, textFile('unrelated.txt'));
    expect(a.taskId).toBe(task.id);
    expect(b).toMatchObject({ taskId: task.id, description: 'mock-up' });
    const detail = await taskOf(jack, task.id);
    expect(detail.id).toBe(task.id);
    expect(detail.files.map((f) => f.id).sort()).toEqual([a.id, b.id].sort());
    expect(detail.files.find((f) => f.id === a.id)).toEqual(a);
    // An admin sees the same attachments.
    expect((await taskOf(admin, task.id)).files.map((f) => f.id).sort()).toEqual([a.id, b.id].sort());
  });

  it("refuses an upload to another user's task or an unknown task → 400 naming `taskId`, keeping nothing", async () => {
    const theirs = await createTask(kate);
    const before = await t.storageOf(jack);
    expectInvalid(await t.send(jack, textFile('sneaky.txt'), { taskId: theirs.id }), ['taskId']);
    expectInvalid(await t.send(jack, textFile('lost.txt'), { taskId: randomUUID() }), ['taskId']);
    expect(await t.storageOf(jack)).toEqual(before);
    expect((await taskOf(kate, theirs.id)).files).toEqual([]);
    await t.expectNoTemporaryBlobs();
  });

  it('keeps the files of a deleted task, detached', async () => {
    const task = await createTask(jack);
    const a = await t.uploaded(jack, textFile('keep-me.txt'), { taskId: task.id });
    const del = await t.api().delete(`/api/v1/tasks/${task.id}`, { token: jack.token });
    expect(del.status, JSON.stringify(del.body)).toBe(204);
    const res = await t.api().get<Ok<FileMeta>>(`${files}/${a.id}`, { token: jack.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ ...a, taskId: null });
    expect(await t.blobExists(a.id)).toBe(true);
    expect((await fetchBytes((await t.linkTo(jack, a.id)).local)).bytes.toString()).toBe(
      'The content of keep-me.txt\n',
    );
    expect((await t.list(jack, `taskId=${task.id}`)).page.total).toBe(0);
  });
});

describe('deleting a user', () => {
  it('removes their file rows and their content from storage, and leaves others alone', async () => {
    const leo = await t.newUser();
    const mia = await t.newUser();
    const task = await createTask(leo);
    const leos = [
      await t.uploaded(leo, validFixtures.pdf, { taskId: task.id }),
      await t.uploaded(leo, textFile('leo.txt')),
    ];
    const mias = await t.uploaded(mia, textFile('mia.txt'));
    const links = await Promise.all(leos.map((f) => t.linkTo(leo, f.id)));
    for (const f of leos) expect(await t.blobExists(f.id)).toBe(true);

    const res = await t.api().delete(`/api/v1/auth/admin/users/${leo.id}`, { token: admin.token });
    expect(res.status, JSON.stringify(res.body)).toBe(204);

    const blobs = await t.entries('blobs');
    for (const f of leos) {
      expect(blobs).not.toContain(f.id);
      expectError(await t.api().get(`${files}/${f.id}`, { token: admin.token }), 404, 'NOT_FOUND');
    }
    for (const link of links) expectError(await t.raw('GET', pathOf(link.local)), 404, 'NOT_FOUND');
    const everyone = await t.listAll(admin, 'scope=all');
    expect(everyone.filter((f) => f.ownerId === leo.id)).toEqual([]);
    // Another user's file is untouched.
    expect(blobs).toContain(mias.id);
    expect((await t.api().get(`${files}/${mias.id}`, { token: mia.token })).status).toBe(200);
  });
});

describe('with a restricted configuration', () => {
  const QUOTA = 1000;
  let limited: ServerWithMail;
  const l = client(() => limited);
  let nina: Session;

  useServerWithMail(
    {
      PUBLIC_URL,
      LOGIN_IP_MAX_ATTEMPTS: '100000',
      ALLOWED_FILE_TYPES: 'pdf,png,txt',
      USER_QUOTA_BYTES: String(QUOTA),
      DOWNLOAD_LINK_TTL_SECONDS: '1',
    },
    (env) => (limited = env),
  );
  beforeAll(async () => {
    nina = await l.newUser('limited');
  });

  it('says so at GET /files/rules', async () => {
    const res = await l.api().get<Ok<FileRules>>(`${files}/rules`, { token: nina.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ quotaBytes: QUOTA, downloadLinkTtlSeconds: 1 });
    expect(res.body.data.allowedTypes.map((a) => a.type)).toEqual(['pdf', 'png', 'txt']);
  });

  it('refuses a valid file of a type ALLOWED_FILE_TYPES leaves out, listing only the allowed ones', async () => {
    for (const type of ['jpeg', 'md', 'zip'] as const) {
      const body = expectError(await l.send(nina, validFixtures[type]), 400, 'UNSUPPORTED_FILE_TYPE');
      const allowed = body.message.slice(body.message.indexOf('Allowed:'));
      expect(allowed).toBe('Allowed: .pdf, .png, .txt.');
    }
    expect(await l.storageOf(nina)).toEqual({ usedBytes: 0, quotaBytes: QUOTA, fileCount: 0 });
  });

  it('still accepts the allowed types', async () => {
    const meta = await l.uploaded(nina, validFixtures.png);
    expect(meta.type).toBe('png');
    expect((await l.api().delete(`${files}/${meta.id}`, { token: nina.token })).status).toBe(204);
  });

  it('refuses an upload that does not fit in the quota with 413 QUOTA_EXCEEDED, keeping nothing', async () => {
    const first = await l.uploaded(nina, textFile('first.txt', 'a'.repeat(600)));
    expect(await l.storageOf(nina)).toEqual({ usedBytes: 600, quotaBytes: QUOTA, fileCount: 1 });
    const res = await l.send(nina, textFile('second.txt', 'b'.repeat(401)));
    expectError(res, 413, 'QUOTA_EXCEEDED');
    expect(await l.storageOf(nina)).toEqual({ usedBytes: 600, quotaBytes: QUOTA, fileCount: 1 });
    expect((await l.listAll(nina)).map((f) => f.id)).toEqual([first.id]);
    expect(await l.entries('blobs')).toEqual([first.id]);
    await l.expectNoTemporaryBlobs();
  });

  it('accepts an upload that fills the quota exactly, then nothing more', async () => {
    const fill = await l.uploaded(nina, textFile('fill.txt', 'c'.repeat(QUOTA - 600)));
    expect(await l.storageOf(nina)).toEqual({ usedBytes: QUOTA, quotaBytes: QUOTA, fileCount: 2 });
    expectError(await l.send(nina, textFile('one-more.txt', 'd')), 413, 'QUOTA_EXCEEDED');
    // Deleting frees the space again.
    expect((await l.api().delete(`${files}/${fill.id}`, { token: nina.token })).status).toBe(204);
    await l.uploaded(nina, textFile('one-more.txt', 'd'));
  });

  it('lets only one of two concurrent uploads take the last free space', async () => {
    const olga = await l.newUser('limited');
    const results = await Promise.all(
      ['x', 'y', 'z'].map((c) => l.send(olga, textFile(`${c}.txt`, c.repeat(600)))),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 413, 413]);
    for (const r of results.filter((r) => r.status === 413)) expectError(r, 413, 'QUOTA_EXCEEDED');
    expect(await l.storageOf(olga)).toEqual({ usedBytes: 600, quotaBytes: QUOTA, fileCount: 1 });
    await l.expectNoTemporaryBlobs();
  });

  it('gives each user a quota of their own', async () => {
    const other = await l.newUser('limited');
    const meta = await l.uploaded(other, textFile('own.txt', 'e'.repeat(900)));
    expect(meta.size).toBe(900);
  });

  it('answers 410 LINK_EXPIRED once a link is past its time', async () => {
    const meta = await l.uploaded(nina, textFile('brief.txt', 'f'));
    const link = await l.linkTo(nina, meta.id);
    const expiresAt = Date.parse(link.expiresAt);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 1000);
    await sleep(Math.max(0, expiresAt - Date.now()) + 50);
    const res = await l.raw('GET', pathOf(link.local));
    expectError(res, 410, 'LINK_EXPIRED');
    // Expired is checked after the signature: an altered expired link is still a forgery.
    const url = new URL(link.local);
    url.searchParams.set('signature', flip(url.searchParams.get('signature')!));
    expectError(await l.raw('GET', pathOf(url.toString())), 403, 'INVALID_SIGNATURE');
  });
});
