/**
 * The HTTP API: one small router per resource, mounted here behind one authentication gate, with
 * an OpenAPI 3.1 document generated from the same zod schemas that validate requests.
 */
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { planWrites } from './services/plan-writes.js';
import { drillStarts } from './services/drill-starts.js';
import type { ApiDeps } from './deps.js';
import { auditWrites } from './middleware/audit.js';
import { authenticate, forgetCachedCallers } from './middleware/authenticate.js';
import { requireManager } from './middleware/authorize.js';
import { ApiError, handleErrors } from './middleware/errors.js';
import { allowedHostNames, sameOrigin } from './middleware/same-origin.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { channelRoutes } from './routes/channels.js';
import { codecRoutes } from './routes/codec.js';
import { drillRoutes } from './routes/drills.js';
import { evidenceKeyRoutes } from './routes/evidence.js';
import { healthRoutes } from './routes/health.js';
import { metricsRegistry, metricsRoutes } from './routes/metrics.js';
import { OIDC_PUBLIC_PATHS, oidcRoutes } from './routes/oidc.js';
import { planRoutes } from './routes/plans.js';
import { router } from './routes/route-kit.js';
import { scheduleRoutes } from './routes/schedules.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { vaultRoutes } from './routes/vault.js';
import { webAppRoutes } from './routes/web-app.js';

/** Routes that answer without credentials: the sign-in flow (health checks are outside /api). */
export const PUBLIC_PATHS = new Set(['/api/auth/login', '/api/auth/setup', '/api/auth/providers', ...OIDC_PUBLIC_PATHS]);

/** Plans and channels are small; the codec endpoint has its own, larger limit. */
export const MAX_API_BODY_BYTES = 1024 * 1024;

export function createApp(deps: ApiDeps) {
  const writes = planWrites(deps.db, { client: deps.temporal.client, taskQueue: deps.temporal.taskQueue });
  const starts = drillStarts(deps.db, deps.temporal);
  const app = router();
  const hosts = allowedHostNames({ publicUrl: deps.links.appUrl, extra: deps.allowedHosts });
  app.use('*', secureHeaders());
  const gate = authenticate({ db: deps.db, limits: deps.auth.limits, publicPaths: PUBLIC_PATHS, metricsToken: deps.auth.metricsToken, cache: deps.auth.cache });
  for (const path of ['/api/*', '/metrics']) {
    app.use(path, sameOrigin(hosts));
    app.use(path, gate);
  }
  for (const path of ['/api/users/*', '/api/users', '/api/tokens/*', '/api/tokens', '/api/auth/*']) app.use(path, forgetCachedCallers(deps.auth.cache));
  app.use('/metrics', requireManager('metrics'));
  const managersOnly: Record<string, string> = { schedules: 'schedule repairs', vault: 'vault credentials' };
  for (const path of ['/api/users', '/api/users/*', '/api/channels', '/api/channels/*', '/api/audit', '/api/schedules/*', '/api/vault', '/api/vault/*']) {
    const resource = path.split('/')[2]!;
    app.use(path, requireManager(managersOnly[resource] ?? resource));
  }
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_API_BODY_BYTES,
      // The rest of the body is never read: the connection cannot carry another request.
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `the request body is larger than ${MAX_API_BODY_BYTES} bytes`, {}, { connection: 'close' });
      },
    }),
  );
  app.use('/api/*', auditWrites(deps.db));
  app.use('/api/*', async (c, next) => {
    const type = c.req.header('content-type');
    const length = c.req.header('content-length');
    const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
    if (['POST', 'PUT', 'PATCH'].includes(c.req.method) && hasBody && !/^application\/json\b/i.test(type ?? '')) {
      throw new ApiError(415, 'unsupported_media_type', `send JSON (Content-Type: application/json)${type ? `, not ${type}` : ''}`);
    }
    await next();
  });
  if (deps.codec) app.route('/codec', codecRoutes(deps.codec));

  if (deps.auth.oidc) app.route('/api/auth/oidc', oidcRoutes({ db: deps.db, limits: deps.auth.limits, secureCookies: deps.auth.secureCookies, ...deps.auth.oidc }));

  const routes = app
    .route('/', healthRoutes(deps))
    .route('/metrics', metricsRoutes(metricsRegistry(deps.db)))
    .route('/api/plans', planRoutes({ db: deps.db, taskQueue: deps.temporal.taskQueue, writes, starts }))
    .route('/api/schedules', scheduleRoutes({ db: deps.db, client: deps.temporal.client, taskQueue: deps.temporal.taskQueue }))
    .route('/api/drills', drillRoutes({ db: deps.db, temporal: deps.temporal, links: deps.links, starts, evidence: { db: deps.db, signer: deps.evidence, issuer: deps.links.appUrl ?? 'restore-drill' } }))
    .route('/api/evidence', evidenceKeyRoutes({ signer: deps.evidence }))
    .route('/api/channels', channelRoutes({ db: deps.db, temporal: deps.temporal }))
    .route('/api/auth', authRoutes({ db: deps.db, limits: deps.auth.limits, secureCookies: deps.auth.secureCookies, setup: deps.auth.setup, signIn: { password: deps.auth.passwordSignIn, oidcIssuer: deps.auth.oidc?.party.issuer ?? null } }))
    .route('/api/users', userRoutes({ db: deps.db }))
    .route('/api/tokens', tokenRoutes({ db: deps.db }))
    .route('/api/audit', auditRoutes({ db: deps.db }))
    .route('/api/vault', vaultRoutes({ vault: deps.vault }));

  routes.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Restore Drill API', version: '0.2.0', description: 'Plans on schedules, drills, alerts. Errors are {code, message}; see docs/api.md.' },
  });
  // Last, after every API route: the web app answers the remaining page paths.
  if (deps.webAppDir) {
    const pages = webAppRoutes(deps.webAppDir);
    routes.on(['GET', 'HEAD'], '*', async (c, next) => (/^\/(api|codec|metrics|healthz|readyz)(\/|$)/.test(c.req.path) ? next() : pages.fetch(c.req.raw, c.env)));
  }
  routes.notFound((c) => c.json({ code: 'not_found' as const, message: `no route for ${c.req.method} ${c.req.path}` }, 404));
  routes.onError(handleErrors);
  return routes;
}

/** The API's type, for typed clients (`hc<AppType>` in the CLI and the UI). */
export type AppType = ReturnType<typeof createApp>;
