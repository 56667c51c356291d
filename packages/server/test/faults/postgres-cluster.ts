import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { childEnv, launchProcess, type ControlledProcess } from './processes.ts';

export type { ControlledProcess };

const exec = promisify(execFile);

export type PostgresCluster = ControlledProcess & {
  /** `postgresql://postgres@127.0.0.1:PORT/postgres` (trust authentication: no password). */
  url: string;
  port: number;
  /** The cluster's folder (its data directory is `data` inside it; its unix socket is here too). */
  directory: string;
  /** Creates a database (a random name unless given) and returns its URL. */
  createDatabase(name?: string): Promise<string>;
};

export type PostgresClusterOptions = {
  /**
   * Server settings (`-c name=value`) over the defaults, which trade durability for speed: fsync,
   * synchronous_commit and full_page_writes are off. With synchronous_commit off a kill() can lose the
   * last fraction of a second of commits; pass `{ synchronous_commit: 'on' }` to test that they survive.
   */
  settings?: Record<string, string>;
};

type User = { uid: number; gid: number };

/** The folder of PostgreSQL's programs: `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin. */
async function findBinaries(): Promise<string> {
  const hasPostgres = (dir: string): Promise<boolean> =>
    access(path.join(dir, 'postgres')).then(
      () => true,
      () => false,
    );
  const fromPgConfig = await exec('pg_config', ['--bindir'], { env: childEnv() }).then(
    ({ stdout }) => stdout.trim(),
    () => '',
  );
  if (fromPgConfig && (await hasPostgres(fromPgConfig))) return fromPgConfig;
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  for (const version of versions.sort((a, b) => Number(b) - Number(a))) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (await hasPostgres(dir)) return dir;
  }
  throw new Error(
    'PostgreSQL is not installed: no `pg_config --bindir` and no /usr/lib/postgresql/*/bin/postgres',
  );
}

/** initdb and postgres refuse to run as root: as root, they run as the `postgres` system user. */
async function findUser(): Promise<User | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string): Promise<number> =>
    Number((await exec('id', [flag, 'postgres'], { env: childEnv() })).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

let setup: Promise<{ bin: string; user: User | undefined }> | undefined;
const findSetup = () =>
  (setup ??= Promise.all([findBinaries(), findUser()]).then(([bin, user]) => ({ bin, user })));

const clusterUrl = (port: number): string => `postgresql://postgres@127.0.0.1:${port}/postgres`;

/** Whether the server completes a connection and a query now. */
async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A SIGKILLed postmaster leaves its System V shared memory segment behind (postmaster.pid names it) until
 * the next start on the same data removes it; when there is no next start, this does, provided the
 * segment is still that one and nothing is attached to it.
 */
async function removeLeftoverSharedMemory(dataDir: string): Promise<void> {
  const lock = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const [key, id] = lock?.split('\n')[6]?.trim().split(/\s+/).map(Number) ?? [];
  if (!key || id === undefined || Number.isNaN(id)) return;
  const segments = await readFile('/proc/sysvipc/shm', 'utf8').catch(() => '');
  const mine = segments
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    // Columns: key shmid perms size cpid lpid nattch ...
    .some(([k, shmid, , , , , attached]) => k === key && shmid === id && attached === 0);
  if (mine) await exec('ipcrm', ['-m', String(id)], { env: childEnv() }).catch(() => {});
}

/**
 * A PostgreSQL cluster of its own (initdb in a temporary folder) on a free loopback port, as the
 * `postgres` user when running as root. It never touches the machine's own PostgreSQL.
 */
export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const { bin, user } = await findSetup();
  const directory = await mkdtemp(path.join(tmpdir(), 'taskvault-pg-'));
  const dataDir = path.join(directory, 'data');
  try {
    // The postgres user must be able to enter the folder (mkdtemp makes it 0700) and create `data` in it.
    if (user) await chown(directory, user.uid, user.gid);
    await exec(
      path.join(bin, 'initdb'),
      [
        '-D',
        dataDir,
        '-A',
        'trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ],
      { cwd: directory, env: childEnv(), ...user },
    );
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr ?? String(err)}`, { cause: err });
  }

  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: directory,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    // Dynamic shared memory as files in the data directory rather than in /dev/shm, so that a killed
    // cluster leaves nothing there once its folder is removed.
    dynamic_shared_memory_type: 'mmap',
    ...options.settings,
  };
  const control = await launchProcess({
    name: 'postgres',
    command: path.join(bin, 'postgres'),
    args: (port) => [
      '-D',
      dataDir,
      '-p',
      String(port),
      ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    cwd: directory,
    user,
    // SIGINT is the fast shutdown: it ends client sessions and checkpoints. SIGTERM (smart) would wait for
    // every client, pools included, to disconnect. SIGQUIT (immediate) skips the checkpoint but still
    // releases shared memory.
    stopSignal: 'SIGINT',
    quickStopSignal: 'SIGQUIT',
    probe: (port) => answers(clusterUrl(port)),
    directory,
    beforeRemove: () => removeLeftoverSharedMemory(dataDir),
  });
  const url = clusterUrl(control.port);
  const createDatabase = async (name = `taskvault_${randomBytes(6).toString('hex')}`): Promise<string> => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`create database "${name}"`);
    } finally {
      await admin.end();
    }
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${name}`;
    return dbUrl.toString();
  };
  return Object.assign(control, { url, directory, createDatabase });
}
