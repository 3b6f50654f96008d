import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from './app.js';
import type { ApiDeps } from './deps.js';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

export function startApiServer(options: ApiDeps & { host: string; port: number }): Promise<ApiServer> {
  const app = createApp(options);
  return new Promise((resolve, reject) => {
    let server: ServerType;
    const onError = (err: Error) => reject(new Error(`API cannot listen on ${options.host}:${options.port}: ${err.message}`));
    server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, (info: AddressInfo) => {
      server.off('error', onError);
      resolve({
        url: `http://${options.host}:${info.port}`,
        close: () =>
          new Promise((done) => {
            // Live event streams would hold close() open until their drills end.
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
    server.once('error', onError);
  });
}
