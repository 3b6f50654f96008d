/**
 * The engine's own consistency check over everything restored (amcheck, CHECK TABLE, validate):
 * catches damage a row count reads past, such as an index that no longer matches its table.
 */
import type { Check, SandboxHandle } from '../../core/drill.js';
import { formatCount } from '../../core/duration.js';
import type { EngineAdapter } from '../engines/engine.js';

const NATIVE_CHECK_TIMEOUT_MS = 6 * 3_600_000;

export async function nativeIntegrityCheck(engine: EngineAdapter, sandbox: SandboxHandle, signal: AbortSignal): Promise<Check> {
  const report = await engine.checkIntegrity({ sandbox, signal, timeoutMs: NATIVE_CHECK_TIMEOUT_MS });
  const expected = `no damage found by ${report.method}`;
  if (report.unsupported) {
    // Not a verdict on the backup: say so instead of pretending it was checked.
    return { name: 'native-integrity', passed: true, observed: `not run: ${report.unsupported}`, expected, message: `engine-native integrity check skipped: ${report.unsupported}` };
  }
  if (report.problems.length === 0) {
    return { name: 'native-integrity', passed: true, observed: `${formatCount(report.checked)} object(s) checked, no problem`, expected, message: `${report.method}: ${formatCount(report.checked)} object(s) healthy` };
  }
  const shown = report.problems.slice(0, 3).join('; ');
  const more = report.problems.length > 3 ? `; and ${report.problems.length - 3} more` : '';
  return { name: 'native-integrity', passed: false, observed: `${report.problems.length} of ${formatCount(report.checked)} object(s) damaged`, expected, message: `${report.method} found damage: ${shown}${more}` };
}
