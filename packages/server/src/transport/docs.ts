import express, { type Router } from 'express';
import swaggerUi from 'swagger-ui-express';

/**
 * The docs UI at /docs: Swagger UI served from the package's own files (no CDN), reading the live
 * OpenAPI document, so it works offline and always shows what the server serves.
 */
export function docsRouter(openApiUrl: string): Router {
  const router = express.Router();
  router.use(
    '/',
    swaggerUi.serveFiles(undefined, { swaggerOptions: { url: openApiUrl } }),
    swaggerUi.setup(undefined, {
      customSiteTitle: 'Taskvault API',
      swaggerOptions: { url: openApiUrl, persistAuthorization: false, displayRequestDuration: true },
    }),
  );
  return router;
}
