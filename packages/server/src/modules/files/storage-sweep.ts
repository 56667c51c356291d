import type { Orm } from '../../platform/db/orm.ts';
import type { Logger } from '../../platform/logger.ts';
import { deleteOrphanedBlobs, type BlobStorage } from '../../platform/storage/storage.ts';
import { StoredFile } from './stored-file.entity.ts';

/**
 * What a crash can leave behind, removed at start-up: temporary blobs of uploads that never finished, and
 * promoted blobs whose row never committed. Only leftovers older than `graceSeconds` are touched: younger
 * ones may belong to an upload another instance is running right now.
 */
export async function sweepStorage(deps: {
  storage: BlobStorage;
  orm: Orm;
  logger: Logger;
  graceSeconds: number;
  now?: Date;
}): Promise<{ temporary: number; orphaned: number }> {
  const olderThan = new Date((deps.now ?? new Date()).getTime() - deps.graceSeconds * 1000);
  const temporary = await deps.storage.sweepTemp(olderThan);
  const orphaned = await deleteOrphanedBlobs(deps.storage, {
    olderThan,
    known: async (keys) => {
      const rows = await deps.orm.em
        .fork()
        .find(StoredFile, { id: { $in: [...keys] } }, { fields: ['id'], disableIdentityMap: true });
      return rows.map((r) => r.id);
    },
  });
  if (temporary + orphaned > 0)
    deps.logger.info({ temporary, orphaned }, 'removed the leftovers of interrupted uploads from storage');
  return { temporary, orphaned };
}
