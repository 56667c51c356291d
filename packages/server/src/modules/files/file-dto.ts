import type { FileMeta } from '@taskvault/contract';
import type { StoredFile } from './stored-file.entity.ts';

export const toFileDto = (f: StoredFile): FileMeta => ({
  id: f.id,
  name: f.name,
  size: f.size,
  type: f.type,
  mimeType: f.mimeType,
  sha256: f.sha256,
  description: f.description,
  taskId: f.task?.id ?? null,
  ownerId: f.owner.id,
  createdAt: f.createdAt.toISOString(),
});
