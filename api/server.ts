import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { HistoryDb } from '../db/client.js';
import { createApp, type CodecEndpoint } from './app.js';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

export function startApiServer(options: { db: HistoryDb; host: string; port: number; codec?: CodecEndpoint }): Promise<ApiServer> {
  const app = createApp({ db: options.db, codec: options.codec });
  return new Promise((resolve, reject) => {
    let server: ServerType;
    const onError = (err: Error) => reject(new Error(`API cannot listen on ${options.host}:${options.port}: ${err.message}`));
    server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, (info: AddressInfo) => {
      server.off('error', onError);
      resolve({
        url: `http://${options.host}:${info.port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
    server.once('error', onError);
  });
}
