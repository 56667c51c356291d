import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout, one line per event, written asynchronously (pino flushes them when the process exits). Credentials never reach a log line: the paths below are
 * censored wherever they appear.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.password',
          '*.newPassword',
          '*.currentPassword',
          '*.refresh',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    // Written asynchronously: a synchronous write per request line was the largest single cost in a CPU
    // profile of the task list under load.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
