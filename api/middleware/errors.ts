/**
 * Every error leaves the API as `{ "code": "…", "message": "…" }` with a fitting status. Codes are
 * stable (clients branch on them); messages are for people. Unexpected errors are logged with
 * detail and answered with a generic message: their text may name hosts or queries.
 */
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

export const ERROR_CODES = [
  'validation_failed',
  'malformed_json',
  'not_found',
  'conflict',
  'reference_invalid',
  'drill_running',
  'payload_too_large',
  'unsupported_media_type',
  'temporal_unavailable',
  'vault_unavailable',
  'delivery_failed',
  'codec_failed',
  'unauthorized',
  'session_expired',
  'token_invalid',
  'invalid_credentials',
  'too_many_attempts',
  'last_manager',
  'already_set_up',
  'forbidden',
  'oidc_failed',
  'oidc_state_mismatch',
  'oidc_no_account',
  'password_sign_in_disabled',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    private readonly headers: Record<string, string> = {},
  ) {
    super(status, { message });
  }

  override getResponse(): Response {
    return Response.json({ code: this.code, message: this.message, ...this.extra }, { status: this.status, headers: this.headers });
  }
}

export function describeIssues(error: ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
}

export function validationError(error: ZodError): ApiError {
  return new ApiError(400, 'validation_failed', describeIssues(error));
}

export const notFound = (what: string) => new ApiError(404, 'not_found', what);

/** The zod-openapi hook: a request that does not fit its route's schema. */
export function validationHook(result: { success: boolean; error?: ZodError }, c: Context): Response | undefined {
  if (result.success) return undefined;
  return c.json({ code: 'validation_failed', message: describeIssues(result.error!) }, 400);
}

export const handleErrors: ErrorHandler = (err, c) => {
  if (err instanceof ApiError) return err.getResponse();
  if (err instanceof HTTPException) {
    // Hono's own (e.g. the JSON body parser): keep its status, speak our shape.
    const malformed = err.status === 400 && /json/i.test(err.message);
    const code = malformed ? 'malformed_json' : err.status === 413 ? 'payload_too_large' : err.status === 415 ? 'unsupported_media_type' : 'validation_failed';
    return c.json({ code, message: malformed ? 'the request body is not valid JSON' : err.message }, err.status);
  }
  // The codec endpoint may carry its token as a path segment: never log it.
  console.error(`api: ${c.req.method} ${c.req.path.replace(/^\/codec\/[^/]+\/(decode|encode)$/, '/codec/…/$1')} failed:`, err);
  return c.json({ code: 'internal', message: 'internal error' }, 500);
};
