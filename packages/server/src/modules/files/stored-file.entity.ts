import { defineEntity, p } from '@mikro-orm/core';
import { FILE_TYPE_NAMES } from '@taskvault/contract';
import { User } from '../accounts/user.entity.ts';
import { Task } from '../tasks/task.entity.ts';

/**
 * An uploaded file's metadata. Its id is also the key of its content in blob storage, so the row and the
 * blob name each other without a second column. Deleting the owner deletes the rows (the service deletes
 * the blobs); deleting a task only detaches its files.
 */
export const StoredFileSchema = defineEntity({
  name: 'StoredFile',
  tableName: 'files',
  properties: {
    id: p.uuid().primary(),
    owner: () => p.manyToOne(User).deleteRule('cascade'),
    task: () => p.manyToOne(Task).nullable().deleteRule('set null'),
    /** The client's name, cleaned; for display only, never a path. */
    name: p.string().length(255),
    size: p.bigint('number'),
    type: p.enum(FILE_TYPE_NAMES),
    mimeType: p.string().length(255),
    sha256: p.string().length(64),
    description: p.text().default(''),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  // Lists are one owner's files (or everyone's, for admins) in one order with the id as tie-break.
  indexes: [
    { properties: ['owner', 'createdAt', 'id'] },
    { properties: ['owner', 'name', 'id'] },
    { properties: ['owner', 'size', 'id'] },
    { properties: ['task'] },
    { properties: ['createdAt', 'id'] },
  ],
});
export class StoredFile extends StoredFileSchema.class {}
StoredFileSchema.setClass(StoredFile);
