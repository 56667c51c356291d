import type { Logger } from 'pino';
import type { KeyValueStore } from './kv.ts';
import { MemoryStore } from './memory-store.ts';
import { RedisStore } from './redis-store.ts';

export type KeyValueOptions = {
  /** Redis when set; otherwise an in-process store, which is only right for a single instance. */
  redisUrl?: string | undefined;
  prefix?: string | undefined;
  logger?: Logger | undefined;
  connectTimeoutMs?: number | undefined;
  commandTimeoutMs?: number | undefined;
};

export function createKeyValueStore(options: KeyValueOptions = {}): KeyValueStore {
  if (!options.redisUrl) return new MemoryStore();
  return new RedisStore({
    url: options.redisUrl,
    ...(options.prefix !== undefined && { prefix: options.prefix }),
    ...(options.logger && { logger: options.logger }),
    ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.commandTimeoutMs !== undefined && { commandTimeoutMs: options.commandTimeoutMs }),
  });
}
