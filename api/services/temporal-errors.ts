/**
 * Temporal trouble in API terms: a request Temporal refuses as invalid is the caller's (400); an
 * unreachable or failing server is 503, saying what could not be done, so nothing half-done is
 * reported as done.
 */
import { ApiError } from '../middleware/errors.js';

const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;

export async function withTemporal<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (['WorkflowNotFoundError', 'ScheduleNotFoundError'].includes((err as Error).name)) throw new ApiError(404, 'not_found', `could not ${what}: ${(err as Error).message}`);
    const code = (err as { code?: number; cause?: { code?: number } }).code ?? (err as { cause?: { code?: number } }).cause?.code;
    const message = (err as Error).message.split('\n')[0];
    if (code === GRPC_INVALID_ARGUMENT) throw new ApiError(400, 'validation_failed', `Temporal refused to ${what}: ${message}`);
    if (code === GRPC_NOT_FOUND) throw new ApiError(404, 'not_found', `Temporal could not ${what}: ${message}`);
    throw new ApiError(503, 'temporal_unavailable', `could not ${what}: Temporal did not answer (${message}); nothing was changed`);
  }
}
