/** `npm start` serves the web app from ui/dist, building it first when it is missing or older than its sources. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../core/config.js';
import { WEB_APP_DIR } from '../../api/routes/web-app.js';

export async function ensureWebAppBuilt(): Promise<string> {
  const index = path.join(WEB_APP_DIR, 'index.html');
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= newestSource(path.join(PROJECT_ROOT, 'ui'))) return WEB_APP_DIR;
  console.log('web app: building ui/ (once; `npm run dev:ui` for hot reload)…');
  const vite = path.join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', path.join(PROJECT_ROOT, 'ui', 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit', cwd: PROJECT_ROOT });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the web app's build failed (vite exit ${code}): run \`npm run build:ui\` to see why`))));
  });
  return WEB_APP_DIR;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}
