import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';

export type LoopbackServer = {
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections still open. */
  readonly open: number;
  /** Ends every connection and stops listening; calling it again waits for the same close. */
  close(): Promise<void>;
};

/**
 * A TCP server on a free loopback port that hands each connection to `onSocket` and keeps track of them,
 * so that `close()` can end them all (a server that never answers would otherwise keep its clients, and the
 * test, waiting). Socket errors are the client's going away, and are ignored.
 */
export async function listenOnLoopback(onSocket: (socket: Socket) => void): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve).once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(
      [...sockets].map((socket) => {
        const gone = once(socket, 'close');
        socket.destroy();
        return gone;
      }),
    );
    await closed;
  };
  let closing: Promise<void> | undefined;
  return {
    port,
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    close: () => (closing ??= close()),
  };
}
