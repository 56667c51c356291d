import { API_PREFIX, contract, type Contract } from '@taskvault/contract';
import type { AppRouter } from '@ts-rest/core';
import type { AnyTRPCRouter } from '@trpc/server';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import cors from 'cors';
import express, { type RequestHandler } from 'express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pinoHttp } from 'pino-http';
import type { Config } from './config/env.ts';
import { AccessTokens } from './modules/accounts/access-tokens.ts';
import { createAuthHandlers, createLegacyHandlers } from './modules/accounts/accounts.handlers.ts';
import { AccountsService, type AccountsDeps } from './modules/accounts/accounts.service.ts';
import { LinkTokens } from './modules/accounts/link-tokens.ts';
import { PasswordHasher } from './modules/accounts/password-hasher.ts';
import { Sessions } from './modules/accounts/sessions.ts';
import { tokenAuthenticator } from './modules/accounts/token-authenticator.ts';
import { createSystemHandlers } from './modules/system/system.handlers.ts';
import { DownloadLinks } from './modules/files/download-links.ts';
import { createFilesHandlers, createLegacyFilesHandlers } from './modules/files/files.handlers.ts';
import { FilesService, type FilesDeps } from './modules/files/files.service.ts';
import { UploadReceiver } from './modules/files/upload-receiver.ts';
import { createTasksHandlers } from './modules/tasks/tasks.handlers.ts';
import { TasksService } from './modules/tasks/tasks.service.ts';
import { createUsersHandlers } from './modules/users/users.handlers.ts';
import { UsersService } from './modules/users/users.service.ts';
import { GuessThrottle } from './platform/kv/guess-throttle.ts';
import { RateLimiter } from './platform/kv/rate-limiter.ts';
import type { Platform } from './platform/platform.ts';
import { SystemService } from './modules/system/system.service.ts';
import { openApiDocuments } from './openapi/documents.ts';
import type { Orm } from './platform/db/orm.ts';
import type { Logger } from './platform/logger.ts';
import type { Authenticator } from './core/principal.ts';
import type { RequestContext, RouterHandlers } from './modules/route-handler.ts';
import { docsRouter } from './transport/docs.ts';
import { errorEnvelopeHandler, unmatchedRoute, wrongMethod } from './transport/http-errors.ts';
import { jsonBody, trpcJsonBody } from './transport/json-body.ts';
import type { FileReceiver } from './transport/multipart.ts';
import { requireContentType, restRouter } from './transport/rest.ts';
import { RouteTable } from './transport/route-table.ts';
import { buildTrpcRouter, trpcErrorHeaders, type TrpcContext } from './transport/trpc.ts';

export type AppDeps = {
  config: Config;
  orm: Orm;
  logger: Logger;
  platform: Pick<Platform, 'kv' | 'mail' | 'storage' | 'signingSecret'>;
  /** When the process started, for uptime. */
  startedAt?: number;
};

/** Builds the whole HTTP application from its dependencies. Listens nowhere and keeps no global state. */
export function createApp(deps: AppDeps) {
  const { config, orm, platform } = deps;
  const { auth } = config;
  const system = new SystemService({
    orm,
    redis: config.redisUrl ? platform.kv : undefined,
    storage: platform.storage,
    readinessTimeoutMs: config.dependencies.readinessTimeoutMs,
    version: config.version,
    startedAt: deps.startedAt ?? Date.now(),
  });
  const accessTokens = new AccessTokens({
    secret: platform.signingSecret,
    issuer: auth.issuer,
    audience: auth.audience,
    ttlSeconds: auth.accessTtlSeconds,
  });
  const sessions = new Sessions({
    refreshTtlSeconds: auth.refreshTtlSeconds,
    cacheTtlMs: auth.sessionCacheTtlMs,
  });
  const windowMs = auth.rateWindowSeconds * 1000;
  const limiter = (name: string, limit: number) =>
    new RateLimiter({ store: platform.kv, name, limit, windowMs });
  const accountsDeps: AccountsDeps = {
    hasher: new PasswordHasher(),
    accessTokens,
    links: new LinkTokens({ secret: platform.signingSecret, ttlSeconds: auth.emailTokenTtlSeconds }),
    sessions,
    limits: {
      login: new GuessThrottle({
        store: platform.kv,
        name: 'login',
        windowMs,
        perSource: auth.loginIpMaxAttempts,
        perPair: auth.loginMaxFailures,
        perTarget: auth.loginAccountMaxFailures,
        maxRefusalMs: auth.loginMaxRefusalSeconds * 1000,
      }),
      loginAccount: limiter('login-account', auth.loginMaxFailures),
      accountMailAddress: limiter('account-mail-address', auth.loginIpMaxAttempts),
      accountMailRecipient: limiter('account-mail-recipient', 3),
      signupNotice: limiter('signup-notice', 3),
    },
    publicUrl: config.publicUrl,
    emailTokenTtlSeconds: auth.emailTokenTtlSeconds,
    requireEmailVerification: auth.requireEmailVerification,
    mailQueued: () => platform.mail.kick(),
  };
  const filesDeps: FilesDeps = {
    storage: platform.storage,
    links: new DownloadLinks({
      secret: platform.signingSecret,
      ttlSeconds: config.files.downloadLinkTtlSeconds,
      publicUrl: config.publicUrl,
    }),
    logger: deps.logger,
    quotaBytes: config.files.quotaBytes,
    maxUploadBytes: config.files.maxUploadBytes,
    allowedTypes: config.files.allowedTypes,
    downloadLinkTtlSeconds: config.files.downloadLinkTtlSeconds,
  };
  const files = (ctx: RequestContext) => new FilesService(ctx.em, filesDeps);
  const receiver = new UploadReceiver(filesDeps);
  const filesHandlers = createFilesHandlers({ files });
  const authHandlers = createAuthHandlers({
    accounts: (ctx) => new AccountsService(ctx.em, accountsDeps),
    storageUsage: (ctx, userId) => files(ctx).usage(userId),
    cookie: {
      path: `${API_PREFIX}/auth`,
      secure: auth.cookieSecure,
      maxAgeMs: auth.refreshTtlSeconds * 1000,
    },
  });
  const handlers: RouterHandlers<Contract> = {
    system: createSystemHandlers({ system }),
    auth: authHandlers,
    users: createUsersHandlers({
      users: (ctx) => new UsersService(ctx.em, { sessions, files: files(ctx) }),
    }),
    tasks: createTasksHandlers({
      tasks: (ctx) => new TasksService(ctx.em),
      attachedFiles: (ctx, taskId) => files(ctx).filesOfTask(taskId),
    }),
    files: filesHandlers,
    legacy: { ...createLegacyHandlers(authHandlers), ...createLegacyFilesHandlers(filesHandlers) },
  };
  const http = createHttpApp({
    ...deps,
    contract,
    handlers,
    authenticate: tokenAuthenticator({ accessTokens, sessions, em: () => orm.em.fork() }),
    receiveFile: (stream, info) => receiver.receive(stream, info),
  });
  /** Shutdown: waits (up to `ms`) for uploads being written or discarded, so no temporary blob outlives the process. */
  const uploadsSettled = (ms: number) => receiver.settled(ms);
  return { ...http, uploadsSettled };
}

export type App = ReturnType<typeof createApp>;
/** The type tRPC clients are written against. */
export type TrpcRouter = App['trpcRouter'];

export type HttpAppOptions<C extends AppRouter> = Pick<AppDeps, 'config' | 'orm' | 'logger'> & {
  contract: C;
  handlers: RouterHandlers<C>;
  authenticate: Authenticator;
  /** Takes the file part of the contract's multipart routes, if it has any. */
  receiveFile?: FileReceiver;
};

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Access logs keep the path but not the secrets some paths carry: an unused verification link in a log
 * would stay valid for days, and tRPC inputs can hold passwords.
 */
export const redactUrl = (url: string): string =>
  url
    .replace(/(\/verify-email\/[^/?]+\/)[^/?]+/, '$1[redacted]')
    .replace(/([?&]input=)[^&]*/, '$1[redacted]');

/**
 * The transports around a contract and its handlers: REST, tRPC, OpenAPI, docs, the web app, and the
 * error envelope for whatever goes wrong. Generic over the contract so the transport behaviour can be
 * tested on its own.
 */
export function createHttpApp<C extends AppRouter>(options: HttpAppOptions<C>) {
  const { config, orm, logger, contract, handlers, authenticate, receiveFile } = options;
  const routes = new RouteTable(contract);
  const { v31: openApi, v30: openApi30 } = openApiDocuments(contract, {
    version: config.version,
    serverUrl: config.publicUrl,
  });
  const { retryAfterSeconds } = config.dependencies;
  const trpcRouter = buildTrpcRouter(contract, { handlers, authenticate, retryAfterSeconds });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      serializers: {
        req: (req: { id: string; method: string; url: string; remoteAddress: string }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      // 503 is a sick dependency, already logged as a warning naming it: not an error of ours.
      customLogLevel: (_req, res, err) =>
        (err || res.statusCode >= 500) && res.statusCode !== 503
          ? 'error'
          : res.statusCode >= 400
            ? 'warn'
            : 'info',
      autoLogging: { ignore: (req) => req.url === `${API_PREFIX}/health` },
    }),
  );
  app.use(
    helmet({
      // Plain-HTTP deployments (a LAN, a laptop) must keep working: upgrading requests or pinning HTTPS is the
      // TLS terminator's decision, not the app's.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
      strictTransportSecurity: config.env === 'production',
    }),
  );
  // CORS headers only for an allowed origin: `cors` with an origin list would send
  // Access-Control-Allow-Credentials on every response. Vary: Origin either way, so a shared cache never
  // hands one origin's answer to another.
  const allowedOrigins = new Set(config.corsOrigins);
  app.use(
    cors((req, callback) => {
      const origin = req.headers.origin;
      if (allowedOrigins.size > 0) req.res?.vary('Origin');
      callback(
        null,
        origin !== undefined && allowedOrigins.has(origin)
          ? { origin: true, credentials: true, exposedHeaders: ['X-Request-Id', 'ETag', 'Retry-After'] }
          : { origin: false },
      );
    }),
  );

  const context: RequestHandler = (req, res, next) => {
    const ctx: RequestContext = {
      requestId: req.id as string,
      method: req.method,
      log: req.log,
      em: orm.em.fork(),
      principal: null,
      ip: req.ip ?? '',
      userAgent: req.get('user-agent') ?? '',
      // A streamed tRPC batch has sent its headers before its calls finish: a late header is dropped, not fatal.
      setResponseHeader: (name, value) => {
        if (!res.headersSent) res.setHeader(name, value);
      },
      cookies: {
        get: (name) => (req.cookies as Record<string, string | undefined>)[name],
        set: (name, value, o) =>
          res.cookie(name, value, {
            httpOnly: true,
            sameSite: 'strict',
            secure: o.secure,
            path: o.path,
            maxAge: o.maxAgeMs,
          }),
        clear: (name, o) =>
          res.clearCookie(name, { httpOnly: true, sameSite: 'strict', secure: o.secure, path: o.path }),
      },
    };
    req.ctx = ctx;
    next();
  };

  app.get(`${API_PREFIX}/openapi.json`, (_req, res) => {
    res.json(openApi);
  });
  app.get(`${API_PREFIX}/openapi-3.0.json`, (_req, res) => res.json(openApi30));
  app.use(cookieParser());
  app.use(
    '/api',
    context,
    wrongMethod(routes),
    requireContentType(routes),
    jsonBody({ limit: config.jsonBodyLimitBytes }),
  );
  app.use(restRouter({ contract, handlers, authenticate, receiveFile }));
  app.use('/api', unmatchedRoute(routes));

  app.use(
    '/trpc',
    context,
    createExpressMiddleware({
      // The router's exact type matters to clients, not to the adapter; it is generic over the contract here.
      router: trpcRouter as AnyTRPCRouter,
      createContext: ({ req }): TrpcContext => ({
        ctx: req.ctx,
        authorization: req.headers.authorization,
        headers: req.headers,
      }),
      // Reads the body as REST does (limit up front, UTF-8); maxBodySize only backs it up.
      middleware: trpcJsonBody({ limit: config.jsonBodyLimitBytes }),
      maxBodySize: config.jsonBodyLimitBytes,
      responseMeta: ({ errors }) => ({ headers: trpcErrorHeaders(errors) }),
      onError: ({ error, req }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          req.log.error({ err: error.cause ?? error }, 'unhandled tRPC error');
      },
    }),
  );

  app.use('/docs', docsRouter(`${API_PREFIX}/openapi.json`));

  if (config.web.serve && existsSync(path.join(config.web.distDir, 'index.html'))) {
    app.use(express.static(config.web.distDir, { index: false, maxAge: '1h' }));
    // Client-side routes: any other GET that wants HTML gets the app, which routes in the browser.
    app.get('/{*path}', (req, res, next) => {
      // A path with an extension is a file that is not there: 404, not the app.
      if (!req.accepts('html') || path.extname(req.path)) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(path.join(config.web.distDir, 'index.html'));
    });
  }

  app.use(unmatchedRoute(routes));
  app.use(errorEnvelopeHandler({ retryAfterSeconds }));
  return { express: app, handlers, trpcRouter, openApi };
}
