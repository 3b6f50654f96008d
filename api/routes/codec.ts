/**
 * Temporal's remote codec protocol, so that the Web UI and the `temporal` CLI can show the
 * payloads this deployment encrypts: POST {payloads: [{metadata: {k: base64}, data: base64}]} to
 * /decode or /encode, answered in the same shape.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { z } from 'zod';
import { codecAuth } from '../middleware/codec-auth.js';
import { validationError } from '../middleware/errors.js';

const MAX_PAYLOADS = 1000;
/**
 * Largest request body read: Temporal caps a payload at 2 MiB (its blob size limit), 4/3 of that in
 * base64, and a history page holds a few; beyond this the request is refused before it is buffered.
 */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

const payloadsBody = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() }))
    .max(MAX_PAYLOADS)
    // protojson omits empty lists: a query without arguments arrives as {}.
    .default([]),
});
type JsonPayload = z.infer<typeof payloadsBody>['payloads'][number];

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

export function codecRoutes(options: { codec: PayloadCodec; token: string; allowedOrigins: string[] }) {
  const convert = (direction: 'encode' | 'decode') => async (c: import('hono').Context) => {
    const parsed = payloadsBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) throw validationError(parsed.error);
    let converted: Payload[];
    try {
      converted = await options.codec[direction](parsed.data.payloads.map(fromJson));
    } catch (err) {
      // Key trouble (rotated away, wrong key): say so without echoing payload bytes.
      return c.json({ error: `cannot ${direction} payloads: ${(err as Error).message.split('\n')[0]}` }, 422);
    }
    return c.json({ payloads: converted.map(toJson) });
  };
  const app = new Hono();
  app.use('*', cors({ origin: options.allowedOrigins, allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['Content-Type', 'Authorization', 'X-Namespace'], maxAge: 600 }));
  // The token is checked first: without it, nothing of the body is read.
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `the request body is larger than ${MAX_BODY_BYTES} bytes` }, 413) });
  for (const prefix of ['', '/:token']) {
    app.post(`${prefix}/decode`, codecAuth(options.token), limit, convert('decode'));
    app.post(`${prefix}/encode`, codecAuth(options.token), limit, convert('encode'));
  }
  return app;
}
