import { listenOnLoopback } from './tcp-server.ts';

export type StuckSmtpOptions = {
  /**
   * Where the server stops answering. 'greeting': it accepts connections and never greets. 'data': it
   * speaks SMTP up to the end of a message (the final dot) and never answers that, so the client cannot
   * know whether the message was delivered.
   */
  stallAt: 'greeting' | 'data';
  /** With 'data': accept each message (250) after this long instead of never, a slow but alive server. */
  acceptAfterMs?: number;
};

export type StuckSmtp = {
  /** `smtp://127.0.0.1:PORT`, for a transport. */
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections still open. */
  readonly open: number;
  /** The recipient of each message received in full (its final dot came), answered or not, oldest first. */
  received: string[];
  /** The recipient of each message answered 250, oldest first. */
  accepted: string[];
  /** Ends every connection and stops listening. */
  close(): Promise<void>;
};

/**
 * A hand-written SMTP server on a loopback port that stalls at a chosen point, as a frozen or overloaded
 * mail server does: for tests of what a client does about a server that neither fails nor answers.
 */
export async function startStuckSmtp(options: StuckSmtpOptions): Promise<StuckSmtp> {
  const timers = new Set<NodeJS.Timeout>();
  const received: string[] = [];
  const accepted: string[] = [];

  const server = await listenOnLoopback((socket) => {
    if (options.stallAt === 'greeting') {
      // Reading keeps the client's writes from blocking; what it says is never answered.
      socket.resume();
      return;
    }
    const reply = (line: string) => {
      if (!socket.destroyed) socket.write(`${line}\r\n`);
    };
    let buffer = '';
    let inData = false;
    let recipient = '';
    reply('220 stuck.test ESMTP');
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\r\n')) !== -1) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line !== '.') continue;
          inData = false;
          const to = recipient;
          received.push(to);
          if (options.acceptAfterMs === undefined) continue;
          const timer = setTimeout(() => {
            timers.delete(timer);
            if (socket.destroyed) return;
            accepted.push(to);
            reply('250 2.0.0 accepted');
          }, options.acceptAfterMs);
          timers.add(timer);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') reply('250 stuck.test');
        else if (verb === 'MAIL' || verb === 'RSET' || verb === 'NOOP') reply('250 2.0.0 ok');
        else if (verb === 'RCPT') {
          recipient = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 go ahead');
        } else if (verb === 'QUIT') {
          reply('221 2.0.0 bye');
          socket.end();
        } else reply('502 5.5.2 not implemented');
      }
    });
  });
  return {
    url: `smtp://127.0.0.1:${server.port}`,
    get connections() {
      return server.connections;
    },
    get open() {
      return server.open;
    },
    received,
    accepted,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await server.close();
    },
  };
}
