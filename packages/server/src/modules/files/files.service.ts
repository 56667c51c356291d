import { LockMode, type FilterQuery, type QueryOrderMap } from '@mikro-orm/core';
import {
  FILE_TYPES,
  type DownloadLink,
  type FileMeta,
  type FileRules,
  type FileType,
  type ListFilesQuery,
  type PageInfo,
  type StorageUsage,
  type UpdateFileBody,
} from '@taskvault/contract';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { EntityManager } from '../../platform/db/orm.ts';
import {
  cursorTimestamp,
  decodeCursor,
  encodeCursor,
  keysetAfter,
  pageInfo,
  type Cursor,
} from '../../platform/db/pagination.ts';
import { escapeLike } from '../../platform/db/sql.ts';
import type { Logger } from '../../platform/logger.ts';
import { BlobNotFoundError, type BlobStorage, type ByteRange } from '../../platform/storage/storage.ts';
import type { Principal } from '../../core/principal.ts';
import { AppError, validationError } from '../../core/errors.ts';
import { User } from '../accounts/user.entity.ts';
import { Task } from '../tasks/task.entity.ts';
import type { DownloadLinks } from './download-links.ts';
import { toFileDto } from './file-dto.ts';
import { checkContent } from './file-type-check.ts';
import { StoredFile } from './stored-file.entity.ts';
import { formatBytes, type TempUpload } from './upload-receiver.ts';

export type FilesDeps = {
  storage: BlobStorage;
  links: DownloadLinks;
  logger: Logger;
  quotaBytes: number;
  maxUploadBytes: number;
  allowedTypes: readonly FileType[];
  downloadLinkTtlSeconds: number;
};

const notFound = () => new AppError('NOT_FOUND', 'No such file');
const badCursor = () => validationError({ cursor: ['Invalid cursor'] });

/**
 * Files: their metadata in the database, their content in blob storage under the row's id. The two never
 * disagree: content is promoted from its temporary blob inside the transaction that inserts the row (and
 * removed again if that commit fails); a row is deleted before its blob. Users reach only their own files;
 * someone else's is "not found". Administrators reach all.
 */
export class FilesService {
  readonly #em: EntityManager;
  readonly #deps: FilesDeps;

  constructor(em: EntityManager, deps: FilesDeps) {
    this.#em = em;
    this.#deps = deps;
  }

  rules(): FileRules {
    return {
      allowedTypes: this.#deps.allowedTypes.map((type) => ({
        type,
        extensions: [...FILE_TYPES[type].extensions],
        mimeType: FILE_TYPES[type].mimeType,
      })),
      maxUploadBytes: this.#deps.maxUploadBytes,
      quotaBytes: this.#deps.quotaBytes,
      downloadLinkTtlSeconds: this.#deps.downloadLinkTtlSeconds,
    };
  }

  /**
   * Keeps an upload: checks its content against its name, the task it is for and the owner's quota, then
   * promotes the blob and commits the row. The owner's row is locked meanwhile, so two uploads of one user
   * cannot both fit in the same remaining space.
   */
  async create(
    principal: Principal,
    upload: TempUpload | undefined,
    fields: { taskId?: string | undefined; description?: string | undefined },
  ): Promise<FileMeta> {
    if (!upload) throw validationError({ file: ['Required: send one file part named "file"'] });
    if (upload.size === 0) throw validationError({ file: ['The file is empty'] });
    await checkContent(upload.name, upload.claimedType, upload.inspection, this.#deps.allowedTypes);
    const id = randomUUID();
    let promoted = false;
    try {
      const file = await this.#em.transactional(async (em) => {
        const owner = await em.findOne(User, { id: principal.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!owner) throw new AppError('UNAUTHENTICATED', 'Your account no longer exists');
        const task = fields.taskId ? await this.#taskOf(em, principal.id, fields.taskId) : null;
        const { usedBytes } = await this.#usage(em, principal.id);
        if (usedBytes + upload.size > this.#deps.quotaBytes)
          throw new AppError(
            'QUOTA_EXCEEDED',
            `This file (${formatBytes(upload.size)}) does not fit in your storage quota: ` +
              `${formatBytes(usedBytes)} of ${formatBytes(this.#deps.quotaBytes)} used`,
          );
        const row = em.create(StoredFile, {
          id,
          owner,
          task,
          name: upload.name,
          size: upload.size,
          type: upload.claimedType,
          mimeType: FILE_TYPES[upload.claimedType].mimeType,
          sha256: upload.inspection.sha256,
          description: fields.description ?? '',
        });
        await em.flush();
        await this.#deps.storage.promote(upload.tempKey, id);
        promoted = true;
        return row;
      });
      return toFileDto(file);
    } catch (err) {
      // The row did not commit: the content must not outlive it.
      if (promoted) await this.#deleteBlob(id);
      throw err;
    }
  }

  async list(principal: Principal, query: ListFilesQuery): Promise<{ items: FileMeta[]; page: PageInfo }> {
    if (query.scope === 'all' && principal.role !== 'admin')
      throw new AppError('FORBIDDEN', "Only administrators can list everyone's files");
    const and: FilterQuery<StoredFile>[] = [];
    if (query.scope !== 'all') and.push({ owner: principal.id });
    if (query.taskId) and.push({ task: query.taskId });
    if (query.type) and.push({ type: query.type });
    // Names are stored NFC: a search typed in another normalisation must still find them.
    if (query.search) and.push({ name: { $ilike: `%${escapeLike(query.search.normalize('NFC'))}%` } });
    const where: FilterQuery<StoredFile> = and.length ? { $and: and } : {};
    const column = query.sort;
    const signature = `${query.sort}:${query.order}`;
    const total = await this.#em.count(StoredFile, where);
    let pageWhere = where;
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      if (cursor.s !== signature) throw badCursor();
      pageWhere = { $and: [where, this.#after(column, query.order, cursor)] };
    }
    const rows = await this.#em.find(StoredFile, pageWhere, {
      disableIdentityMap: true,
      orderBy: [{ [column]: query.order }, { id: query.order }] as QueryOrderMap<StoredFile>[],
      limit: query.limit + 1,
      ...(query.cursor ? {} : { offset: query.offset ?? 0 }),
    });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    const nextCursor =
      rows.length > query.limit && last
        ? encodeCursor({
            s: signature,
            k: column === 'createdAt' ? last.createdAt.toISOString() : last[column],
            id: last.id,
          })
        : null;
    return { items: items.map(toFileDto), page: pageInfo(query.limit, total, nextCursor) };
  }

  async get(principal: Principal, id: string): Promise<FileMeta> {
    return toFileDto(await this.#reachable(principal, id));
  }

  async update(principal: Principal, id: string, changes: UpdateFileBody): Promise<FileMeta> {
    const file = await this.#reachable(principal, id);
    if (changes.taskId !== undefined)
      file.task =
        changes.taskId === null ? null : await this.#taskOf(this.#em, file.owner.id, changes.taskId);
    if (changes.description !== undefined) file.description = changes.description;
    await this.#em.flush();
    return toFileDto(file);
  }

  /** The row goes first: a blob without a row is harmless (and swept), a row without its blob is not. */
  async remove(principal: Principal, id: string): Promise<void> {
    const file = await this.#reachable(principal, id);
    await this.#em.remove(file).flush();
    await this.#deleteBlob(file.id);
  }

  async downloadLink(principal: Principal, id: string): Promise<DownloadLink> {
    const file = await this.#reachable(principal, id);
    return this.#deps.links.make(file.id);
  }

  /** The file a download link points to, once its signature and expiry are checked. */
  async resolveLink(id: string, expires: number, signature: string): Promise<FileMeta> {
    this.#deps.links.verify(id, expires, signature);
    const file = await this.#em.findOne(StoredFile, { id });
    if (!file) throw notFound();
    return toFileDto(file);
  }

  async content(id: string, range?: ByteRange): Promise<Readable> {
    try {
      return await this.#deps.storage.read(id, range);
    } catch (err) {
      if (!(err instanceof BlobNotFoundError)) throw err;
      this.#deps.logger.error({ fileId: id }, 'a file row has no content in storage');
      throw notFound();
    }
  }

  async usage(userId: string): Promise<StorageUsage> {
    return { ...(await this.#usage(this.#em, userId)), quotaBytes: this.#deps.quotaBytes };
  }

  async filesOfTask(taskId: string): Promise<FileMeta[]> {
    const rows = await this.#em.find(
      StoredFile,
      { task: taskId },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    return rows.map(toFileDto);
  }

  /** Ids of a user's files, for deleting their content once the user (and so the rows) are gone. */
  async idsOwnedBy(userId: string): Promise<string[]> {
    const rows = await this.#em.find(
      StoredFile,
      { owner: userId },
      { fields: ['id'], disableIdentityMap: true },
    );
    return rows.map((r) => r.id);
  }

  async deleteBlobs(ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.#deleteBlob(id);
  }

  async #deleteBlob(id: string): Promise<void> {
    try {
      await this.#deps.storage.delete(id);
    } catch (err) {
      // The row is gone either way; the blob is an orphan the start-up sweep removes.
      this.#deps.logger.warn({ err, fileId: id }, 'could not delete a blob; it will be swept');
    }
  }

  async #usage(em: EntityManager, userId: string): Promise<Omit<StorageUsage, 'quotaBytes'>> {
    const [row] = await em.getConnection().execute<Array<{ used: string | number; n: number }>>(
      'select coalesce(sum(size), 0) as used, count(*)::int as n from files where owner_id = ?',
      [userId],
      'all',
      // Inside an upload's transaction the sum must be read on its connection (PGlite has only one).
      em.getTransactionContext(),
    );
    return { usedBytes: Number(row?.used ?? 0), fileCount: Number(row?.n ?? 0) };
  }

  async #taskOf(em: EntityManager, ownerId: string, taskId: string): Promise<Task> {
    const task = await em.findOne(Task, { id: taskId, owner: ownerId });
    if (!task) throw validationError({ taskId: ["No such task among the file owner's tasks"] });
    return task;
  }

  async #reachable(principal: Principal, id: string): Promise<StoredFile> {
    const file = await this.#em.findOne(StoredFile, { id });
    if (!file || (principal.role !== 'admin' && file.owner.id !== principal.id)) throw notFound();
    return file;
  }

  /** Rows strictly after the cursor in (column, id) order. */
  #after(column: ListFilesQuery['sort'], dir: 'asc' | 'desc', c: Cursor): FilterQuery<StoredFile> {
    let key: string | number | Date | undefined;
    if (column === 'size') key = typeof c.k === 'number' && Number.isSafeInteger(c.k) ? c.k : undefined;
    else if (column === 'name') key = typeof c.k === 'string' && c.k.length <= 255 ? c.k : undefined;
    else key = cursorTimestamp(c.k);
    if (key === undefined) throw badCursor();
    return keysetAfter(column, dir, key, c.id);
  }
}
