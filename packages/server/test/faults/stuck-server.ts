import { listenOnLoopback } from '../tcp-server.ts';

export type StuckServer = {
  host: '127.0.0.1';
  port: number;
  /** `<protocol>://127.0.0.1:PORT` (smtp unless told): it speaks no protocol, the scheme is for the client. */
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections still open. */
  readonly open: number;
  /** Ends every connection and stops listening. */
  close(): Promise<void>;
};

export type StuckServerOptions = {
  /** Sent once on each connection (an SMTP `220 ...\r\n` banner, say); nothing is ever sent after it. */
  greeting?: string;
  /** The scheme of `url`. */
  protocol?: string;
};

/**
 * A TCP server on a free loopback port that accepts connections, reads whatever comes and never answers
 * (after an optional greeting): a frozen dependency, without a process to SIGSTOP.
 */
export async function startStuckServer(options: StuckServerOptions = {}): Promise<StuckServer> {
  const server = await listenOnLoopback((socket) => {
    // Reading keeps the client's writes from blocking; what it says is never looked at.
    socket.resume();
    if (options.greeting) socket.write(options.greeting);
  });
  return {
    host: '127.0.0.1',
    port: server.port,
    url: `${options.protocol ?? 'smtp'}://127.0.0.1:${server.port}`,
    get connections() {
      return server.connections;
    },
    get open() {
      return server.open;
    },
    close: () => server.close(),
  };
}
