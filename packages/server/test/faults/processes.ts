import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A real dependency process that a test owns and may stop, freeze, kill and start again. Its port and its
 * data survive everything but `destroy`.
 */
export type ControlledProcess = {
  /** The current pid of its main process (it changes after `start`). */
  readonly pid: number;
  /** Graceful stop (the server's own shutdown, thawing it first); resolves once every process of it exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data; resolves once it answers. */
  start(): Promise<void>;
  /** SIGSTOP to all its processes: the kernel still accepts connections, nothing answers them. */
  freeze(): void;
  /** SIGCONT to all its processes. */
  thaw(): void;
  /** SIGKILL to all its processes; resolves once every one of them exited. */
  kill(): Promise<void>;
  /** Thaws, kills, removes the data folder. Idempotent, safe in afterAll. */
  destroy(): Promise<void>;
  /** The tail of what the current (or last) run wrote to stdout and stderr, for error messages. */
  output(): string;
};

/** Startup, stop and readiness all give up after this long (with the process' output in the error). */
export const PROCESS_TIMEOUT_MS = 20_000;
const OUTPUT_TAIL_CHARS = 4_000;
const PROBE_INTERVAL_MS = 50;
/** How long `destroy` lets a quick (immediate) shutdown take before SIGKILL. */
const QUICK_STOP_MS = 2_000;
const SILENT = Symbol('not settled');

/** The process could not listen: its port was taken between choosing it and binding it. */
export class PortInUseError extends Error {}

/** The environment of a child: PATH and what it is given, nothing of the test's own environment. */
export const childEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  // eslint-disable-next-line no-restricted-properties -- a child process needs a PATH, nothing else leaks in
  PATH: process.env.PATH ?? '',
  ...extra,
});

/** A loopback port nothing listens on right now (the kernel's pick), for a process about to take it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve).once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type ProcessStat = { pid: number; ppid: number; state: string };

/** The pids in /proc (none where there is no /proc); read synchronously so that freeze() can be. */
function allPids(): number[] {
  try {
    return readdirSync('/proc').flatMap((entry) => (/^\d+$/.test(entry) ? [Number(entry)] : []));
  } catch {
    return [];
  }
}

/** Every process, with its parent and state. */
function processTable(): ProcessStat[] {
  const table: ProcessStat[] = [];
  for (const entry of allPids()) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it exited meanwhile
    }
    // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so split after the last ')'.
    const [state = '', ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    table.push({ pid: entry, ppid: Number(ppid), state });
  }
  return table;
}

/** `root` and all its descendants, parents before children. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of processTable()) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** What fd `fd` of process `pid` is (`pipe:[1234]`, a path, ...); undefined if it cannot be told. */
export function fileOf(pid: number, fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** The processes whose stdout or stderr is `file` (as fileOf tells it): all a server's, orphans included. */
export function holdersOf(file: string): number[] {
  return allPids().filter((pid) => fileOf(pid, 2) === file || fileOf(pid, 1) === file);
}

/** Those of `pids` that still run (zombies do not count: they are dead, only not reaped yet). Linux only. */
export function stillRunning(pids: readonly number[]): number[] {
  const running = new Set(processTable().flatMap((p) => (p.state === 'Z' || p.state === 'X' ? [] : [p.pid])));
  return pids.filter((pid) => running.has(pid));
}

/** Sends `signal` to `pid`; a process that is gone already is fine. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * Sends `sig` to `root`'s process group and to each of `members()` (by default every process descending
 * from `root`), and returns them. The group alone is not enough: PostgreSQL makes each child of the
 * postmaster (backends, checkpointer, ...) lead a session of its own (setsid), so a signal to the
 * postmaster's group reaches the postmaster only. The root is stopped first, so that it cannot fork a
 * child that the search misses (a fork racing a pending signal is restarted after it).
 */
export function signalTree(
  root: number,
  sig: NodeJS.Signals,
  members: () => number[] = () => processTree(root),
): number[] {
  if (sig !== 'SIGCONT') signal(-root, 'SIGSTOP');
  const found = members();
  // Children first when continuing, so that nothing the root does on waking meets a stopped child.
  for (const pid of sig === 'SIGCONT' ? [...found].reverse() : found) signal(pid, sig);
  signal(-root, sig);
  if (sig === 'SIGSTOP') waitUntilStopped(found);
  return found;
}

/**
 * A signal takes effect a moment after kill() returns (a process busy on another core stops when it is
 * next interrupted); this waits, synchronously (freeze() is), until every one of `pids` is stopped or gone.
 */
function waitUntilStopped(pids: readonly number[]): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 1_000;
  while (Date.now() < deadline) {
    const states = new Map(processTable().map((p) => [p.pid, p.state]));
    if (pids.every((pid) => [undefined, 'T', 't', 'Z', 'X'].includes(states.get(pid)))) return;
    Atomics.wait(pause, 0, 0, 2);
  }
}

/** What a TCP connection to the port brought back within `timeoutMs` after sending `payload`. */
export type Exchange = { connected: boolean; answer: string; error?: string };

/**
 * Connects to a loopback port, sends `payload` and collects what comes back until `until` (if given)
 * matches, the peer closes, or `timeoutMs` passes. Tells "refused" (connected: false) from "accepted but
 * silent" (connected: true, answer: '').
 */
export async function tcpExchange(
  port: number,
  payload: string | Buffer,
  { timeoutMs = 500, until }: { timeoutMs?: number; until?: RegExp } = {},
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ port, host: '127.0.0.1' });
    let connected = false;
    let answer = '';
    const done = (error?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({
        connected,
        answer,
        ...(error && { error: (error as NodeJS.ErrnoException).code ?? error.message }),
      });
    };
    const timer = setTimeout(() => done(), timeoutMs);
    socket.once('connect', () => {
      connected = true;
      socket.write(payload);
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (until?.test(answer)) done();
    });
    socket.once('error', done);
    socket.once('close', () => done());
  });
}

/** Whether a TCP connection to the loopback port is accepted (by the kernel: a frozen server's is too). */
export async function acceptsConnections(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', timeout: timeoutMs });
    const done = (accepted: boolean): void => {
      socket.destroy();
      resolve(accepted);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** `promise`'s value, or `timedOut` when it has not settled within `ms` (its outcome is then ignored). */
export async function within<T, U>(promise: Promise<T>, ms: number, timedOut: U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  promise.catch(() => {});
  try {
    return await Promise.race([
      promise,
      new Promise<U>((resolve) => (timer = setTimeout(resolve, ms, timedOut))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export type ProcessSpec = {
  /** For messages, followed by `on port N`. */
  name: string;
  command: string;
  args: (port: number) => readonly string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Runs as this user (root may not run PostgreSQL). */
  user?: { uid: number; gid: number } | undefined;
  /** A stdin pipe kept open while it runs, for children that end when it closes; /dev/null otherwise. */
  stdin?: 'pipe' | 'ignore';
  /** The server's own graceful shutdown, sent to the main process only. */
  stopSignal: NodeJS.Signals;
  /** A quick shutdown that still cleans up after itself (shared memory), tried by destroy before SIGKILL. */
  quickStopSignal?: NodeJS.Signals;
  /** One readiness check: whether it answers now. It must give up by itself within a second or so. */
  probe: (port: number) => Promise<boolean>;
  /** The data folder: removed by destroy, and by the watchdog should the test process die first. */
  directory: string;
  /** Anything to release once it is gone for good, before the folder is removed. */
  beforeRemove?: () => Promise<void>;
};

/**
 * One run of the process: the child, its stderr pipe (as fileOf tells it), and a promise settled once
 * every process holding its output exited.
 */
type Run = {
  child: ChildProcess;
  pipe: string | undefined;
  gone: Promise<void>;
  ended: boolean;
  output: string;
};

/**
 * Ends the process the way destroy does and removes the data folder when the test process dies without
 * destroying it (crash, timeout, SIGKILL): a shell in a session of its own reads the current pid from a
 * pipe, and sees the pipe close when the test process is gone, however it went. It thaws everything, gives
 * the quick stop ($2, if any) two seconds, then SIGKILLs the group and the children, as signalTree does.
 */
const WATCHDOG = `
pid=''
while read -r next; do pid=$next; done
if [ -n "$pid" ]; then
  if [ -n "$2" ]; then
    kill -CONT -$pid 2>/dev/null
    pkill -CONT -P $pid 2>/dev/null
    kill -$2 $pid 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
      [ -z "$(pgrep -P $pid)" ] && break
      sleep 0.1
    done
  fi
  kill -STOP -$pid 2>/dev/null
  pkill -KILL -P $pid 2>/dev/null
  kill -KILL -$pid 2>/dev/null
fi
rm -rf -- "$1"
`;

function startWatchdog(
  directory: string,
  quickStopSignal: NodeJS.Signals | undefined,
): { watch: (pid: number | undefined) => void; end: () => void } {
  const quickStop = quickStopSignal?.replace(/^SIG/, '') ?? '';
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'taskvault-fault-watchdog', directory, quickStop], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => {});
  watchdog.stdin.on('error', () => {});
  // It must not keep the test process alive: it is there for when that process ends.
  watchdog.unref();
  (watchdog.stdin as unknown as Socket).unref();
  return {
    watch: (pid) => {
      if (watchdog.exitCode === null) watchdog.stdin.write(`${pid ?? ''}\n`);
    },
    // SIGKILL rather than closing the pipe, which would make it remove the folder.
    end: () => {
      if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
      watchdog.stdin.destroy();
    },
  };
}

const portInUse = (output: string): boolean => /address already in use|EADDRINUSE/i.test(output);

/**
 * Starts the process `spec` describes on a free loopback port (another one if that was taken meanwhile)
 * and resolves once it answers; if it does not, it is destroyed (data folder included) and this rejects.
 * It leads a process group of its own; freeze, thaw and kill signal that group, every descendant and
 * every process holding its output (see signalTree), and "exited" means that all of those are dead, so no
 * backend of a killed PostgreSQL is still on its way out.
 */
export async function launchProcess(spec: ProcessSpec): Promise<ControlledProcess & { port: number }> {
  let port = await freePort();
  const control = controlProcess(spec, () => port);
  try {
    await control.start().catch(async (err: unknown) => {
      if (!(err instanceof PortInUseError)) throw err;
      port = await freePort();
      await control.start();
    });
  } catch (err) {
    await control.destroy();
    throw err;
  }
  return Object.assign(control, { port });
}

function controlProcess(spec: ProcessSpec, port: () => number): ControlledProcess {
  const watchdog = startWatchdog(spec.directory, spec.quickStopSignal);
  let run: Run | undefined;
  let frozen = false;
  let destroying: Promise<void> | undefined;

  const running = (): boolean => run !== undefined && !run.ended;
  const label = (): string => `${spec.name} on port ${port()}`;
  const describe = (what: string): string =>
    `${label()} ${what}; its output ended with:\n${run?.output.trim() || '(nothing)'}`;

  const spawnRun = (): Run => {
    const child = spawn(spec.command, spec.args(port()), {
      cwd: spec.cwd,
      env: spec.env ?? childEnv(),
      detached: true,
      stdio: [spec.stdin ?? 'ignore', 'pipe', 'pipe'],
      ...(spec.user && { uid: spec.user.uid, gid: spec.user.gid }),
    });
    // spawn() returns once the program runs, with its stderr in place.
    const pipe = child.pid === undefined ? undefined : fileOf(child.pid, 2);
    const current: Run = { child, pipe, ended: false, output: '', gone: Promise.resolve() };
    const collect = (chunk: Buffer): void => {
      current.output = (current.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.stdin?.on('error', () => {});
    current.gone = new Promise<void>((resolve) => {
      const end = (): void => {
        current.ended = true;
        resolve();
      };
      child.once('close', end);
      child.once('error', (err) => {
        current.output += `\n${err.message}`;
        end();
      });
    });
    return current;
  };

  /**
   * Whether, within `ms`, the run's output closed and none of `tree` (its processes when signalled) still
   * runs: a process closes its files a moment before it is quite dead.
   */
  const awaitGone = async (current: Run, tree: readonly number[], ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    const closed = await within(current.gone, ms, SILENT);
    if (closed === SILENT) return false;
    while (stillRunning(tree).length > 0) {
      if (Date.now() > deadline) return false;
      await sleep(5);
    }
    return true;
  };

  /**
   * The run's processes: its tree, and whatever else holds its output, such as a backend still busy in a
   * query after its postmaster died (it is then no one's child any more).
   */
  const members = (current: Run): number[] => [
    ...new Set([...processTree(current.child.pid!), ...(current.pipe ? holdersOf(current.pipe) : [])]),
  ];
  const signalRun = (current: Run, sig: NodeJS.Signals): number[] =>
    signalTree(current.child.pid!, sig, () => members(current));

  const afterExit = (): void => {
    frozen = false;
    watchdog.watch(undefined);
  };

  const kill = async (): Promise<void> => {
    if (!run || run.ended) return;
    const tree = signalRun(run, 'SIGKILL');
    if (!(await awaitGone(run, tree, PROCESS_TIMEOUT_MS)))
      throw new Error(describe('did not die after SIGKILL'));
    afterExit();
  };

  const thaw = (): void => {
    if (!frozen || !running()) return;
    signalRun(run!, 'SIGCONT');
    frozen = false;
  };

  const waitUntilReady = async (current: Run): Promise<void> => {
    const deadline = Date.now() + PROCESS_TIMEOUT_MS;
    for (;;) {
      const ready = await Promise.race([
        spec.probe(port()).catch(() => false),
        current.gone.then(() => false),
      ]);
      if (ready && !current.ended) return;
      if (current.ended) {
        const { exitCode, signalCode } = current.child;
        const message = describe(`exited (${signalCode ?? `code ${exitCode}`}) before it answered`);
        throw portInUse(current.output) ? new PortInUseError(message) : new Error(message);
      }
      if (Date.now() > deadline) {
        await kill();
        throw new Error(describe(`did not answer within ${PROCESS_TIMEOUT_MS} ms`));
      }
      await sleep(PROBE_INTERVAL_MS);
    }
  };

  const start = async (): Promise<void> => {
    if (destroying) throw new Error(`${label()} is destroyed`);
    if (running()) throw new Error(`${label()} is already running (pid ${run!.child.pid})`);
    const current = spawnRun();
    run = current;
    if (current.child.pid !== undefined) watchdog.watch(current.child.pid);
    try {
      await waitUntilReady(current);
    } finally {
      if (current.ended) afterExit();
    }
  };

  const stop = async (): Promise<void> => {
    if (!run || run.ended) return;
    thaw();
    const tree = members(run);
    run.child.kill(spec.stopSignal);
    if (!(await awaitGone(run, tree, PROCESS_TIMEOUT_MS))) {
      const message = describe(`did not stop within ${PROCESS_TIMEOUT_MS} ms of ${spec.stopSignal}`);
      await kill();
      throw new Error(message);
    }
    afterExit();
  };

  const destroy = async (): Promise<void> => {
    try {
      if (run && !run.ended) {
        thaw();
        if (spec.quickStopSignal) {
          const tree = members(run);
          run.child.kill(spec.quickStopSignal);
          await awaitGone(run, tree, QUICK_STOP_MS);
        }
        await kill();
      }
    } finally {
      watchdog.end();
      await spec.beforeRemove?.();
      await rm(spec.directory, { recursive: true, force: true, maxRetries: 3 });
    }
  };

  return {
    get pid() {
      if (!run?.child.pid) throw new Error(`${label()} has not started`);
      return run.child.pid;
    },
    start,
    stop,
    kill,
    thaw,
    freeze: () => {
      if (!running()) throw new Error(`${label()} is not running`);
      signalRun(run!, 'SIGSTOP');
      frozen = true;
    },
    destroy: () => (destroying ??= destroy()),
    output: () => run?.output ?? '',
  };
}
