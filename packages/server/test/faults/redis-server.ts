import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchProcess, tcpExchange, type ControlledProcess } from './processes.ts';

export type { ControlledProcess };

export type RedisServer = ControlledProcess & {
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** Its working folder (the append-only file, when persistent). */
  directory: string;
};

export type RedisServerOptions = {
  /**
   * Append-only file, fsynced on every write: a kill() and start() keep every key written before. Without
   * it nothing is ever written to disk, so any restart starts empty.
   */
  persistent?: boolean;
};

/** Found on PATH (/usr/bin/redis-server here). */
const REDIS_SERVER = 'redis-server';

/** Whether it answers PING with PONG now (while it loads its data it answers -LOADING instead). */
async function answersPing(port: number): Promise<boolean> {
  const { answer } = await tcpExchange(port, 'PING\r\n', { timeoutMs: 1_000, until: /\r\n/ });
  return answer.startsWith('+PONG');
}

/** A Redis server of its own on a free loopback port; it never touches the machine's own Redis. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const directory = await mkdtemp(path.join(tmpdir(), 'taskvault-redis-'));
  const persistence = options.persistent
    ? ['--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  const control = await launchProcess({
    name: 'redis-server',
    command: REDIS_SERVER,
    args: (port) => [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--daemonize',
      'no',
      '--save',
      '',
      ...persistence,
      '--dir',
      directory,
    ],
    cwd: directory,
    // Redis' own shutdown: with the append-only file, it is flushed and fsynced before it exits.
    stopSignal: 'SIGTERM',
    probe: answersPing,
    directory,
  });
  return Object.assign(control, { url: `redis://127.0.0.1:${control.port}`, directory });
}
