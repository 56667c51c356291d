import type { Express } from 'express';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Listening = {
  baseUrl: string;
  server: Server;
  /** Hands every request from now on to `app`; until then nothing answers (nobody knows the port yet). */
  serve: (app: RequestListener) => void;
  /** Ends every connection and stops listening. */
  close: () => Promise<void>;
};

/**
 * Listens on a loopback port before there is an app to serve, so that the app's configuration can name its
 * own address (PUBLIC_URL, for the links it puts in emails).
 */
export async function listenFirst(): Promise<Listening> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    server,
    serve: (app) => {
      server.on('request', app);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Serves an express app on a loopback port; `close` ends every connection. */
export async function listen(app: Express): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
