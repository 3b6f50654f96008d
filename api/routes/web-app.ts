/**
 * The web app, served by the API from its build (ui/dist): files as they are, and index.html for
 * any other page path (the app routes in the browser). Paths under /api, /codec and /metrics
 * never reach here. The pages get a strict Content-Security-Policy: scripts only from here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { PROJECT_ROOT } from '../../core/config.js';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

export function webAppRoutes(distDir: string) {
  const index = path.join(distDir, 'index.html');
  const root = path.relative(process.cwd(), distDir) || '.';
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    c.header('content-security-policy', CSP);
  });
  // Hashed asset names never change content: cached for a year; index.html never.
  app.use('/assets/*', async (c, next) => {
    await next();
    if (c.res.status === 200) c.header('cache-control', 'public, max-age=31536000, immutable');
  });
  app.use('/assets/*', serveStatic({ root }));
  // Read once it exists: every page path answers with it, and a build replaces the process anyway.
  let page: string | undefined;
  app.get('*', async (c) => {
    page ??= await fs.promises.readFile(index, 'utf8').catch(() => undefined);
    if (page === undefined) return c.text('The web app is not built: run `npm run build:ui` (npm start builds it when missing).', 503);
    c.header('cache-control', 'no-cache');
    return c.html(page);
  });
  return app;
}

/** Where `npm run build:ui` writes the app. */
export const WEB_APP_DIR = path.join(PROJECT_ROOT, 'ui', 'dist');
