/**
 * The database and blob storage never disagree (disk engine): whatever goes wrong during an upload (the
 * client going away, a refusal, the database failing before or at commit), no row and no blob are left,
 * and the start-up sweep removes what a crash leaves behind without touching anything still in use.
 */
import type { FileMeta, TokenPair, User } from '@taskvault/contract';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  expectError,
  expectInvalid,
  jsonClient,
  newIdentity,
  registerAndLogin,
  signUpVerifiedUser,
  type Err,
  type Ok,
} from '../../../test/api.ts';
import { largeTextFixture, rejectedFixtures, sha256, validFixtures } from '../../../test/file-fixtures.ts';
import { downloadLink, fetchBytes, rawUpload, upload, waitUntil } from '../../../test/files-api.ts';
import {
  createTestDatabase,
  startTestServer,
  testConfig,
  type TestDatabase,
  type TestServer,
} from '../../../test/harness.ts';
import { useServerWithMail } from '../../../test/server-with-mail.ts';
import type { SmtpSink } from '../../../test/smtp-sink.ts';
import type { Config } from '../../config/env.ts';
import { createLogger } from '../../platform/logger.ts';
import { startServer } from '../../server.ts';
import { StoredFile } from './stored-file.entity.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const MAX_UPLOAD = 2 * MiB;
const QUOTA = 3 * MiB;

/** The regular files in a folder, sorted; none when it does not exist (yet). */
async function filesIn(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Resolves once `check` returns true; fails with `what` after `timeoutMs`. */

let sink: SmtpSink;
let srv: TestServer;

useServerWithMail(
  {
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
    USER_QUOTA_BYTES: String(QUOTA),
    LOGIN_IP_MAX_ATTEMPTS: '10000',
  },
  (env) => ({ sink, srv } = env),
);

const storageDir = (): string => {
  const storage = srv.config.storage;
  if (storage.engine !== 'disk') throw new Error('these tests run on the disk engine');
  return storage.dir;
};
const tmpBlobs = () => filesIn(path.join(storageDir(), 'tmp'));
const permanentBlobs = () => filesIn(path.join(storageDir(), 'blobs'));
const storageState = async () => ({ tmp: await tmpBlobs(), blobs: await permanentBlobs() });

/** The temporary blob of a refused upload is discarded once the response is done: wait for it. */
async function expectStorageBackTo(before: { tmp: string[]; blobs: string[] }): Promise<void> {
  await waitUntil(
    'the temporary blobs are gone',
    async () => (await tmpBlobs()).length === before.tmp.length,
  );
  expect(await storageState()).toEqual(before);
}

const rowsOf = (userId: string) => srv.orm.em.fork().count(StoredFile, { owner: userId });

async function expectNoFiles(user: User, tokens: TokenPair): Promise<void> {
  expect(await rowsOf(user.id)).toBe(0);
  const list = await jsonClient(srv.baseUrl).get<Ok<{ items: FileMeta[]; page: { total: number } }>>(
    '/api/v1/files',
    { token: tokens.access },
  );
  expect(list.status).toBe(200);
  expect(list.body.data.items).toEqual([]);
  expect(list.body.data.page.total).toBe(0);
}

const uploadAs = (token: string, file: { name: string; bytes: Buffer }) =>
  upload(srv.baseUrl, { token, file });

describe('a client that goes away mid-upload', () => {
  it('leaves no row, no temporary blob and no permanent blob', async () => {
    const { user, tokens } = await signUpVerifiedUser(srv, sink);
    const before = await storageState();
    const request = rawUpload(srv.baseUrl, tokens.access, 5 * 1000 * 1000);
    await request.start;
    await request.write(largeTextFixture(MiB).bytes);
    // The server is streaming the part into a temporary blob...
    await waitUntil('a temporary blob appears', async () => (await tmpBlobs()).length > before.tmp.length);
    expect(request.outcome.response).toBeUndefined();
    // ...when the client disappears.
    request.req.destroy();
    await waitUntil(
      'the temporary blob is removed',
      async () => (await tmpBlobs()).length === before.tmp.length,
    );
    expect(await storageState()).toEqual(before);
    await expectNoFiles(user, tokens);
    expect(request.outcome.response).toBeUndefined();

    // The server is none the worse for it.
    const next = await uploadAs(tokens.access, validFixtures.png);
    expect(next.status).toBe(201);
  });
});

describe('a client that goes away while its upload is being committed', () => {
  it('leaves neither a row nor a blob when it is gone before the promotion', async () => {
    const { user, tokens } = await signUpVerifiedUser(srv, sink);
    const before = await storageState();
    const storage = srv.platform.storage;
    const promote = storage.promote.bind(storage);
    let reached!: () => void;
    const atPromote = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const outcomes: Array<Promise<unknown>> = [];
    // The upload is held just before its blob is promoted, inside the transaction.
    const spy = vi.spyOn(storage, 'promote').mockImplementation(async (tempKey, key) => {
      reached();
      await released;
      const result = promote(tempKey, key);
      outcomes.push(result.catch((err: unknown) => err));
      return result;
    });
    try {
      const abort = new AbortController();
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(validFixtures.pdf.bytes)]), validFixtures.pdf.name);
      const sent = fetch(`${srv.baseUrl}/api/v1/files`, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${tokens.access}` },
        signal: abort.signal,
      }).catch((err: unknown) => err);
      await atPromote;
      abort.abort();
      expect(await sent).toMatchObject({ name: 'AbortError' });
      // The request is over for the server: its temporary blob is discarded...
      await waitUntil(
        'the temporary blob is discarded',
        async () => (await tmpBlobs()).length === before.tmp.length,
      );
      // ...before the upload goes on to promote it.
      release();
      await waitUntil('the promotion was tried', async () => outcomes.length === 1);
      expect(await outcomes[0]).toMatchObject({ name: 'BlobNotFoundError' });
    } finally {
      release();
      spy.mockRestore();
    }
    // The next upload locks the owner's row, so it waits for that transaction to be over.
    const next = await uploadAs(tokens.access, validFixtures.png);
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    expect(await rowsOf(user.id)).toBe(1);
    expect(await storageState()).toEqual({
      tmp: before.tmp,
      blobs: [...before.blobs, next.body.data.id].sort(),
    });
  });
});

describe('refused uploads keep nothing', () => {
  it('content that is not what its name claims: 400, and its temporary blob is discarded', async () => {
    const { user, tokens } = await signUpVerifiedUser(srv, sink);
    const before = await storageState();
    for (const file of [rejectedFixtures.elfAsPng, rejectedFixtures.pdfAsTxt, rejectedFixtures.invalidUtf8]) {
      expectError(await uploadAs(tokens.access, file), 400, 'UNSUPPORTED_FILE_TYPE');
      await expectStorageBackTo(before);
    }
    await expectNoFiles(user, tokens);
  });

  it('invalid form fields, or a task that is not yours: 400, and the stored part is discarded', async () => {
    const { user, tokens } = await signUpVerifiedUser(srv, sink);
    const before = await storageState();
    const withFields = (fields: Record<string, string>) =>
      upload(srv.baseUrl, { token: tokens.access, file: validFixtures.pdf, fields });
    expectInvalid(await withFields({ taskId: 'not-a-uuid' }), ['taskId']);
    await expectStorageBackTo(before);
    expectInvalid(await withFields({ taskId: randomUUID() }), ['taskId']);
    await expectStorageBackTo(before);
    expectInvalid(await withFields({ colour: 'blue' }), ['colour']);
    await expectStorageBackTo(before);
    await expectNoFiles(user, tokens);
  });

  it('a name without an allowed extension: 400 before anything is stored', async () => {
    const { user, tokens } = await signUpVerifiedUser(srv, sink);
    const before = await storageState();
    expectError(
      await uploadAs(tokens.access, rejectedFixtures.disallowedExtension),
      400,
      'UNSUPPORTED_FILE_TYPE',
    );
    await expectStorageBackTo(before);
    await expectNoFiles(user, tokens);
  });

  it('a file over MAX_UPLOAD_BYTES: 413, and the part already written is removed', async () => {
    const { user, tokens } = await signUpVerifiedUser(srv, sink);
    const before = await storageState();
    const res = await uploadAs(tokens.access, largeTextFixture(MAX_UPLOAD + 1));
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    await expectStorageBackTo(before);
    await expectNoFiles(user, tokens);
  });

  it('a file exactly at MAX_UPLOAD_BYTES is kept, as a row and one blob', async () => {
    const { user, tokens } = await signUpVerifiedUser(srv, sink);
    const before = await storageState();
    const file = largeTextFixture(MAX_UPLOAD);
    const res = await uploadAs(tokens.access, file);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await waitUntil(
      'the temporary blob is gone',
      async () => (await tmpBlobs()).length === before.tmp.length,
    );
    expect(await storageState()).toEqual({
      tmp: before.tmp,
      blobs: [...before.blobs, res.body.data.id].sort(),
    });
    expect(await rowsOf(user.id)).toBe(1);
    const blob = await readFile(path.join(storageDir(), 'blobs', res.body.data.id));
    expect(sha256(blob)).toBe(sha256(file.bytes));
  });

  it('a file over the quota: 413 QUOTA_EXCEEDED, and only the files that fit remain', async () => {
    const { user, tokens } = await signUpVerifiedUser(srv, sink);
    const initial = await storageState();
    const first = await uploadAs(tokens.access, largeTextFixture(2 * MiB));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await waitUntil(
      'the temporary blob is gone',
      async () => (await tmpBlobs()).length === initial.tmp.length,
    );
    const before = await storageState();
    expect(before.blobs).toContain(first.body.data.id);

    const res = await uploadAs(tokens.access, largeTextFixture(QUOTA - 2 * MiB + 1));
    expectError(res, 413, 'QUOTA_EXCEEDED');
    await expectStorageBackTo(before);
    expect(await rowsOf(user.id)).toBe(1);

    // What fits exactly is kept.
    const last = await uploadAs(tokens.access, largeTextFixture(QUOTA - 2 * MiB));
    expect(last.status, JSON.stringify(last.body)).toBe(201);
    expect(await permanentBlobs()).toEqual([...before.blobs, last.body.data.id].sort());
    expect(await rowsOf(user.id)).toBe(2);
  });
});

/**
 * A trigger that refuses every new row of `files`: at the insert itself (`before insert`), or only at
 * commit (a deferred constraint trigger), i.e. after the upload's blob has been promoted. PGlite is
 * PostgreSQL, so this runs on both engines.
 */
async function refuseFileRows(when: 'insert' | 'commit'): Promise<() => Promise<void>> {
  const connection = srv.orm.em.getConnection();
  await connection.execute(
    `create or replace function test_refuse_file_rows() returns trigger language plpgsql as $$
     begin raise exception 'test trigger: no new files rows'; end $$`,
  );
  await connection.execute(
    when === 'insert'
      ? `create trigger test_refuse_file_rows before insert on files
         for each row execute function test_refuse_file_rows()`
      : `create constraint trigger test_refuse_file_rows after insert on files
         deferrable initially deferred for each row execute function test_refuse_file_rows()`,
  );
  return async () => {
    await connection.execute('drop trigger if exists test_refuse_file_rows on files');
  };
}

describe('the database failing during an upload', () => {
  for (const when of ['insert', 'commit'] as const) {
    it(`at ${when === 'insert' ? 'the insert' : 'commit, after the blob was promoted'}: a 500 envelope, no row, no blob`, async () => {
      const { user, tokens } = await signUpVerifiedUser(srv, sink);
      const before = await storageState();
      const promote = vi.spyOn(srv.platform.storage, 'promote');
      const remove = vi.spyOn(srv.platform.storage, 'delete');
      const restore = await refuseFileRows(when);
      let res;
      // Restoring a spy forgets its calls: keep them.
      let calls: { promoted: string[]; deleted: string[] };
      try {
        res = await uploadAs(tokens.access, validFixtures.pdf);
      } finally {
        await restore();
        calls = {
          promoted: promote.mock.calls.map(([, key]) => key),
          deleted: remove.mock.calls.map(([key]) => key),
        };
        promote.mockRestore();
        remove.mockRestore();
      }
      const body = expectError(res, 500, 'INTERNAL_ERROR');
      if (when === 'commit') {
        // The blob was promoted, and deleted again when the commit failed.
        expect(calls.promoted).toHaveLength(1);
        expect(calls.deleted).toEqual(calls.promoted);
      } else {
        expect(calls).toEqual({ promoted: [], deleted: [] });
      }
      // Nothing from inside leaks out: neither the database's message nor a stack.
      expect(JSON.stringify(body)).not.toMatch(/test trigger|files rows|at .*\.ts/);
      await expectStorageBackTo(before);
      await expectNoFiles(user, tokens);

      // Once the database accepts rows again, so does the upload.
      const again = await uploadAs(tokens.access, validFixtures.pdf);
      expect(again.status, JSON.stringify(again.body)).toBe(201);
      expect(await permanentBlobs()).toContain(again.body.data.id);
    });
  }
});

// PostgreSQL only: there the database is dropped under the running server. PGlite's breakDatabase closes
// the client, which then reopens a new, empty in-memory database (seconds of start-up for a failure the
// triggers above already cover).
describe.runIf(testConfig().testDatabaseUrl)('the database going away', () => {
  it('an upload answers with a 5xx envelope and leaves nothing in storage', async () => {
    const other = await startTestServer({
      REQUIRE_EMAIL_VERIFICATION: 'false',
      MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
    });
    try {
      const storage = other.config.storage;
      if (storage.engine !== 'disk') throw new Error('these tests run on the disk engine');
      const { access: token } = await registerAndLogin(other.baseUrl);
      expect((await upload(other.baseUrl, { token, file: validFixtures.txt })).status).toBe(201);
      const before = {
        tmp: await filesIn(path.join(storage.dir, 'tmp')),
        blobs: await filesIn(path.join(storage.dir, 'blobs')),
      };
      expect(before.blobs).toHaveLength(1);

      await other.breakDatabase();
      const res = await upload(other.baseUrl, { token, file: largeTextFixture(MiB) });
      expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(500);
      const body = res.body as unknown as Err;
      expect(body.success).toBe(false);
      expect(['INTERNAL_ERROR', 'SERVICE_UNAVAILABLE']).toContain(body.code);
      expect(body.message.length).toBeGreaterThan(0);
      expect(JSON.stringify(res.body)).not.toMatch(/ at |\.ts:/);
      await waitUntil(
        'the temporary blob is gone',
        async () => (await filesIn(path.join(storage.dir, 'tmp'))).length === before.tmp.length,
      );
      expect(await filesIn(path.join(storage.dir, 'tmp'))).toEqual(before.tmp);
      expect(await filesIn(path.join(storage.dir, 'blobs'))).toEqual(before.blobs);
    } finally {
      await other.close().catch(() => undefined);
    }
  });
});

describe('the start-up sweep', () => {
  let dataDir: string;
  let db: TestDatabase | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'taskvault-sweep-'));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('removes stale temporary and orphaned blobs, keeps young leftovers and blobs with a row', async () => {
    const base = testConfig({
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      UPLOAD_SWEEP_GRACE_SECONDS: '60',
      REQUIRE_EMAIL_VERIFICATION: 'false',
    });
    // PostgreSQL when the run is configured for it (a database of its own), PGlite under DATA_DIR otherwise.
    let config: Config = base;
    if (base.testDatabaseUrl) {
      db = await createTestDatabase(base);
      config = { ...base, database: db.database };
    } else {
      expect(config.database).toEqual({ engine: 'pglite', dataDir: path.join(dataDir, 'db') });
    }
    expect(config.storage).toEqual({ engine: 'disk', dir: path.join(dataDir, 'files') });
    const logger = createLogger('silent');
    const tmp = path.join(dataDir, 'files', 'tmp');
    const blobs = path.join(dataDir, 'files', 'blobs');

    // A first run: a real file, its row and its blob.
    const identity = newIdentity();
    const first = await startServer(config, logger);
    let kept: FileMeta;
    try {
      expect(await first.swept).toEqual({ temporary: 0, orphaned: 0 });
      const api = jsonClient(first.url);
      expect((await api.post('/api/v1/auth/register', identity)).status).toBe(201);
      const login = await api.post<Ok<TokenPair>>('/api/v1/auth/login', {
        email: identity.email,
        password: identity.password,
      });
      expect(login.status).toBe(200);
      const res = await upload(first.url, { token: login.body.data.access, file: validFixtures.png });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      kept = res.body.data;
    } finally {
      await first.stop();
    }

    // What a crash leaves behind, old and young; the real blob is old as well.
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    const staleTemp = randomUUID();
    const youngTemp = randomUUID();
    const staleOrphan = randomUUID();
    const youngOrphan = randomUUID();
    await mkdir(tmp, { recursive: true });
    for (const [dir, name] of [
      [tmp, staleTemp],
      [tmp, youngTemp],
      [blobs, staleOrphan],
      [blobs, youngOrphan],
    ] as const)
      await writeFile(path.join(dir, name), `leftover ${name}\n`);
    for (const file of [path.join(tmp, staleTemp), path.join(blobs, staleOrphan), path.join(blobs, kept.id)])
      await utimes(file, old, old);

    const second = await startServer(config, logger);
    try {
      expect(await second.swept).toEqual({ temporary: 1, orphaned: 1 });
      expect(await filesIn(tmp)).toEqual([youngTemp]);
      expect(await filesIn(blobs)).toEqual([kept.id, youngOrphan].sort());

      // The file that has a row still downloads, intact.
      const rows = await second.orm.em.fork().find(StoredFile, {});
      expect(rows.map((r) => r.id)).toEqual([kept.id]);
      const login = await jsonClient(second.url).post<Ok<TokenPair>>('/api/v1/auth/login', {
        email: identity.email,
        password: identity.password,
      });
      expect(login.status).toBe(200);
      const link = await downloadLink(second.url, login.body.data.access, kept.id);
      expect(link.status).toBe(200);
      const content = await fetchBytes(link.local);
      expect(content.status).toBe(200);
      expect(sha256(content.bytes)).toBe(sha256(validFixtures.png.bytes));
    } finally {
      await second.stop();
    }
  });
});
