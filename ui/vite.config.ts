/**
 * The web app's build: Solid through vite-plugin-solid, output in ui/dist, which the API serves.
 * `npm run dev:ui` serves it with hot reload and sends /api and /codec to the running API
 * (RESTORE_DRILL_API, default http://127.0.0.1:8080).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

const api = process.env.RESTORE_DRILL_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [solid()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: true },
  // The API checks Origin on writes: the dev server forwards as if the page were the API's own.
  server: { port: 5173, proxy: { '/api': { target: api, changeOrigin: true, headers: { origin: api } } } },
});
