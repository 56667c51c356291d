import { initContract } from '@ts-rest/core';
import { loginRoute, registerRoute, verifyEmailRoute } from '../auth/auth.contract.ts';
import { downloadLinkRoute, listRoute, uploadRoute } from '../files/files.contract.ts';

const c = initContract();
const legacy = (description: string) =>
  `Deprecated: the file-sharing API's original path, kept for its clients. ${description}`;

/**
 * The deprecated paths of the original file-sharing API (`/api/signup/`, `/api/upload/`, ...), kept for its
 * existing clients and served by the same handlers as their /api/v1 counterparts.
 * New clients use /api/v1.
 */
export const legacyContract = c.router({
  signup: {
    ...registerRoute,
    path: '/signup/',
    deprecated: true,
    description: legacy('Same as `POST /api/v1/auth/register`.'),
  },
  login: {
    ...loginRoute,
    path: '/login/',
    deprecated: true,
    description: legacy('Same as `POST /api/v1/auth/login`.'),
  },
  verifyEmail: {
    ...verifyEmailRoute,
    path: '/verify-email/:uid/:token/',
    deprecated: true,
    description: legacy('Same as `GET /api/v1/auth/verify-email/:uid/:token`.'),
  },
  upload: {
    ...uploadRoute,
    path: '/upload/',
    deprecated: true,
    description: legacy('Same as `POST /api/v1/files`.'),
  },
  listUploadedFiles: {
    ...listRoute,
    path: '/list-uploaded-files/',
    deprecated: true,
    description: legacy('Same as `GET /api/v1/files`.'),
  },
  downloadFile: {
    method: 'GET',
    pathParams: downloadLinkRoute.pathParams,
    responses: downloadLinkRoute.responses,
    summary: downloadLinkRoute.summary,
    metadata: downloadLinkRoute.metadata,
    path: '/download-file/:id/',
    deprecated: true,
    description: legacy(
      'Same as `POST /api/v1/files/:id/download-link`: answers with a signed link to follow, not the content.',
    ),
  },
});
