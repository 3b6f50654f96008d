/**
 * The plan owner's own invariants ("there is at least one admin", "no order without a customer"),
 * run read-only against the restored copy. Each result is stored whatever the verdict.
 */
import type { Assertion, AssertionQuery } from '../../core/checks.js';
import type { Check, SandboxHandle } from '../../core/drill.js';
import { meetsExpectation, parseExpectation } from '../../core/expectation.js';
import type { EngineAdapter } from '../engines/engine.js';

/** Stored observations stay readable in a table cell. */
const MAX_OBSERVED_CHARS = 200;

export async function assertionCheck(engine: EngineAdapter, sandbox: SandboxHandle, assertion: Assertion, signal: AbortSignal): Promise<Check> {
  const name = `assertion:${assertion.name}`;
  const expected = assertion.expect;
  const query: AssertionQuery = assertion.sql !== undefined ? { sql: assertion.sql } : { mongo: assertion.mongo! };
  let value;
  try {
    value = await engine.runAssertion({ sandbox, signal, timeoutMs: assertion.timeoutSeconds * 1000, query });
  } catch (err) {
    signal.throwIfAborted();
    const message = (err as Error).message;
    return { name, passed: false, observed: `query failed: ${truncate(message)}`, expected, message: `assertion "${assertion.name}" could not run: ${message}` };
  }
  const shown = value === null ? 'NULL (no row)' : truncate(JSON.stringify(value));
  const passed = meetsExpectation(parseExpectation(assertion.expect), value);
  return {
    name,
    passed,
    observed: shown,
    expected,
    message: passed ? `assertion "${assertion.name}" holds: ${shown} ${assertion.expect}` : `assertion "${assertion.name}" violated: the query returned ${shown}, expected ${assertion.expect}`,
  };
}

function truncate(text: string): string {
  return text.length > MAX_OBSERVED_CHARS ? `${text.slice(0, MAX_OBSERVED_CHARS)}…` : text;
}
