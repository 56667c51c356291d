import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from './logger.ts';

/**
 * The signing secret: the configured one, or (with nothing configured, outside production) one generated
 * on first start and kept under DATA_DIR, so tokens survive restarts. Config refuses production without one.
 */
export function resolveSigningSecret(
  configured: string | undefined,
  dataDir: string,
  logger: Logger,
): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'secrets', 'jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  logger.warn(
    { file },
    'JWT_SECRET is not set: using a generated secret kept on disk (set JWT_SECRET in production)',
  );
  return readFileSync(file, 'utf8').trim();
}
