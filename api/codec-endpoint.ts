/** The codec endpoint's settings, read from the environment like the rest of the deployment. */
import path from 'node:path';
import { loadConfig } from '../core/config.js';
import { loadToken } from '../core/secret-keys.js';
import { loadPayloadCodec } from '../worker/payload-codec.js';
import type { CodecEndpoint } from './routes/codec.js';

/** The dev server's Web UI; RESTORE_DRILL_UI_ORIGINS names others (comma-separated). */
const DEFAULT_UI_ORIGINS = ['http://127.0.0.1:8233', 'http://localhost:8233'];

export function codecEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): CodecEndpoint {
  const config = loadConfig(env);
  return {
    codec: loadPayloadCodec(env),
    token: loadToken('RESTORE_DRILL_CODEC_TOKEN', path.join(config.dataDir, 'codec.token'), env),
    allowedOrigins: env.RESTORE_DRILL_UI_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean) ?? DEFAULT_UI_ORIGINS,
  };
}
