import { StoredFile } from './stored-file.entity.ts';

/** The files table (the blobs live in storage), for the ORM. */
export const filesEntities = [StoredFile];
