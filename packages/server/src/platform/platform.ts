import path from 'node:path';
import type { Config } from '../config/env.ts';
import type { Orm } from './db/orm.ts';
import { createKeyValueStore } from './kv/create-kv.ts';
import type { KeyValueStore } from './kv/kv.ts';
import type { Logger } from './logger.ts';
import { createMailTransport } from './mail/create-mail-transport.ts';
import { MailDispatcher } from './mail/mail-dispatcher.ts';
import type { MailTransport } from './mail/mail-transport.ts';
import { resolveSigningSecret } from './secrets.ts';
import { createBlobStorage } from './storage/create-storage.ts';
import type { BlobStorage } from './storage/storage.ts';

/** The engines the app runs on, each embedded by default and a production service when configured. */
export type Platform = {
  kv: KeyValueStore;
  mail: MailDispatcher;
  storage: BlobStorage;
  signingSecret: string;
  /**
   * Stops the mail dispatcher, then closes the engines. `timeoutMs` (default SHUTDOWN_TIMEOUT_MS) bounds
   * the wait for an email being sent: past it the send is abandoned and the email is retried once its
   * lease runs out.
   */
  close: (options?: { timeoutMs?: number | undefined }) => Promise<void>;
};

export type PlatformOverrides = {
  transport?: MailTransport;
  kv?: KeyValueStore;
  storage?: BlobStorage;
  mailPollIntervalMs?: number;
};

export function createPlatform(
  config: Config,
  orm: Orm,
  logger: Logger,
  overrides: PlatformOverrides = {},
): Platform {
  const kv =
    overrides.kv ?? createKeyValueStore({ redisUrl: config.redisUrl, logger, ...config.dependencies.redis });
  const transport =
    overrides.transport ??
    createMailTransport({
      smtpUrl: config.mail.smtpUrl,
      dir: path.join(config.dataDir, 'mail'),
      logger,
      timeoutMs: config.dependencies.smtp.timeoutMs,
    });
  const mail = new MailDispatcher({
    orm,
    transport,
    from: config.mail.from,
    logger,
    leaseMs: config.mail.leaseSeconds * 1000,
    ...(overrides.mailPollIntervalMs ? { pollIntervalMs: overrides.mailPollIntervalMs } : {}),
  });
  const storage = overrides.storage ?? createBlobStorage(config, { logger });
  return {
    kv,
    mail,
    storage,
    signingSecret: resolveSigningSecret(config.auth.jwtSecret, config.dataDir, logger),
    close: async (options = {}) => {
      await mail.stop({ timeoutMs: options.timeoutMs ?? config.shutdownTimeoutMs });
      await transport.close();
      await kv.close();
      await storage.close();
    },
  };
}
