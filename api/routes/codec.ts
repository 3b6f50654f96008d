/**
 * Temporal's remote codec protocol, so that the Web UI and the `temporal` CLI can show the
 * payloads this deployment encrypts: POST {payloads: [{metadata: {k: base64}, data: base64}]} to
 * /decode or /encode, answered in the same shape.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { createRoute } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { z } from 'zod';
import { codecAuth, decodeOnlyToken } from '../middleware/codec-auth.js';
import { errorSchema, errors, json, jsonBody, router } from './route-kit.js';

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

export interface CodecEndpoint {
  codec: PayloadCodec;
  token: string;
  /** Browser origins allowed to call it (the Temporal Web UI's). */
  allowedOrigins: string[];
}

export function codecRoutes(options: CodecEndpoint) {
  const app = router();
  app.use('*', cors({ origin: options.allowedOrigins, allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['Content-Type', 'Authorization', 'X-Namespace'], maxAge: 600 }));
  // The token is checked first: without it, nothing of the body is read.
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ code: 'payload_too_large', message: `the request body is larger than ${MAX_BODY_BYTES} bytes` }, 413) });
  for (const direction of ['decode', 'encode'] as const) {
    for (const path of [`/${direction}`, `/{token}/${direction}`]) {
      app.openapi(
        createRoute({
          method: 'post',
          path,
          tags: ['codec'],
          summary: `Temporal remote codec: ${direction} payloads (for the Web UI and \`temporal --codec-endpoint\`)`,
          description: path.includes('{token}') ? 'The token as a path segment, for the Temporal Web UI, which cannot add headers.' : 'Authorization: Bearer <codec token>.',
          middleware: [codecAuth({ full: options.token, decodeOnly: decodeOnlyToken(options.token) }, direction), limit] as const,
          request: { ...(path.includes('{token}') ? { params: z.object({ token: z.string().min(1) }) } : {}), body: jsonBody(payloadsBody) },
          responses: {
            200: json(payloadsBody, `the payloads, ${direction}d`),
            422: json(errorSchema, `the payloads cannot be ${direction}d with the configured keys`),
            401: json(errorSchema, 'no or wrong codec token'),
            403: json(errorSchema, 'the decode-only token (the Web UI link\'s) cannot encode'),
            ...errors(400, 413),
          },
        }),
        async (c) => {
          let converted: Payload[];
          try {
            converted = await options.codec[direction](c.req.valid('json').payloads.map(fromJson));
          } catch (err) {
            // Key trouble (rotated away, wrong key): say so without echoing payload bytes.
            return c.json({ code: 'codec_failed' as const, message: `cannot ${direction} payloads: ${(err as Error).message.split('\n')[0]}` }, 422);
          }
          return c.json({ payloads: converted.map(toJson) }, 200);
        },
      );
    }
  }
  return app;
}
