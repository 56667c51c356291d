import { z } from 'zod';
import { PaginationQuerySchema } from '../common/pagination.ts';
import { FILE_TYPE_NAMES } from './file-types.ts';

export const FileTypeSchema = z.enum(FILE_TYPE_NAMES).meta({
  id: 'FileType',
  description: 'A file type Taskvault checks by content (see `GET /api/v1/files/rules`).',
});

const DescriptionSchema = z.string().trim().max(1000);

export const FileSchema = z
  .object({
    id: z.uuid(),
    name: z.string().meta({ description: 'The original name, cleaned up; for display only.' }),
    size: z.number().int().min(1).meta({ description: 'In bytes.' }),
    type: FileTypeSchema.meta({ description: 'The type its content was recognised as.' }),
    mimeType: z.string(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .meta({ description: "Hex SHA-256 of the content; the download's ETag." }),
    description: z.string(),
    taskId: z.uuid().nullable().meta({ description: 'The task it is attached to, if any.' }),
    ownerId: z.uuid(),
    createdAt: z.iso.datetime(),
  })
  .meta({
    id: 'File',
    description: "A file's metadata; the content is fetched through a download link.",
    examples: [
      {
        id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
        name: 'quarterly-report.pdf',
        size: 482133,
        type: 'pdf',
        mimeType: 'application/pdf',
        sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
        description: 'Q2 figures',
        taskId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
        ownerId: '5f0c1a2b-3d4e-4f60-8a7b-9c0d1e2f3a4b',
        createdAt: '2026-06-02T14:00:00.000Z',
      },
    ],
  });
export type FileMeta = z.infer<typeof FileSchema>;

/**
 * The multipart form of an upload. `file` is the content (exactly one); the other parts are plain text
 * fields and may come before or after it.
 */
export const UploadFileBodySchema = z.strictObject({
  file: z.file().meta({ description: 'The content. Its name must carry an allowed extension.' }),
  taskId: z.uuid().optional().meta({ description: 'Attach the file to this task of yours.' }),
  description: DescriptionSchema.optional(),
});

export const FileIdParamsSchema = z.object({ id: z.uuid() });

export const FILE_SORT_FIELDS = ['createdAt', 'name', 'size'] as const;

export const ListFilesQuerySchema = PaginationQuerySchema.extend({
  taskId: z.uuid().optional().meta({ description: 'Only the files attached to this task.' }),
  type: FileTypeSchema.optional(),
  search: z.string().trim().min(1).max(200).optional().meta({ description: 'Part of the name, any case.' }),
  sort: z.enum(FILE_SORT_FIELDS).default('createdAt'),
  order: z.enum(['asc', 'desc']).default('desc'),
  scope: z
    .enum(['mine', 'all'])
    .default('mine')
    .meta({ description: "`all`: every user's files (administrators only; 403 otherwise)." }),
});
export type ListFilesQuery = z.infer<typeof ListFilesQuerySchema>;

export const UpdateFileBodySchema = z
  .strictObject({
    taskId: z
      .uuid()
      .nullable()
      .optional()
      .meta({ description: 'Attach to this task of yours; null detaches.' }),
    description: DescriptionSchema.optional(),
  })
  .refine((b) => b.taskId !== undefined || b.description !== undefined, { message: 'Nothing to change' });
export type UpdateFileBody = z.infer<typeof UpdateFileBodySchema>;

export const DownloadLinkSchema = z
  .object({
    url: z.url().meta({ description: 'Absolute; works without a bearer token until it expires.' }),
    expiresAt: z.iso.datetime(),
  })
  .meta({
    id: 'DownloadLink',
    examples: [
      {
        url: 'https://taskvault.example.com/api/v1/files/1b4e28ba-2fa1-41d2-883f-0016d3cca427/content?expires=1780306500&signature=Qm9vaw',
        expiresAt: '2026-06-01T09:35:00.000Z',
      },
    ],
  });
export type DownloadLink = z.infer<typeof DownloadLinkSchema>;

export const DownloadQuerySchema = z.object({
  expires: z.coerce
    .number<number>()
    .int()
    .min(0)
    .max(2 ** 40)
    .meta({ description: 'When the link expires, in seconds since the epoch.' }),
  signature: z.string().min(1).max(128).meta({ description: 'HMAC over the file id and `expires`.' }),
});

export const DownloadHeadersSchema = z.object({
  range: z.string().max(200).optional().meta({
    description: 'One byte range, `bytes=<start>-<end>` (either end may be left out): answered with 206.',
  }),
  'if-range': z.string().max(200).optional().meta({
    description: 'The ETag you have; the Range is honoured only if the content still matches it.',
  }),
});

export const StorageUsageSchema = z
  .object({
    usedBytes: z.number().int().min(0),
    quotaBytes: z.number().int().min(0),
    fileCount: z.number().int().min(0),
  })
  .meta({
    id: 'StorageUsage',
    description: 'Bytes stored against the quota.',
    examples: [{ usedBytes: 482133, quotaBytes: 104857600, fileCount: 1 }],
  });
export type StorageUsage = z.infer<typeof StorageUsageSchema>;

export const FileRulesSchema = z
  .object({
    allowedTypes: z.array(
      z.object({
        type: FileTypeSchema,
        extensions: z.array(z.string()),
        mimeType: z.string(),
      }),
    ),
    maxUploadBytes: z.number().int().min(1),
    quotaBytes: z.number().int().min(0),
    downloadLinkTtlSeconds: z.number().int().min(1),
  })
  .meta({ id: 'FileRules' });
export type FileRules = z.infer<typeof FileRulesSchema>;
