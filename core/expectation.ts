/**
 * The small language assertions state their expectation in: `>= 1000`, `== 0`, `!= 'x'`,
 * `between 10 and 20`, `matches /^v\d+$/i`. Parsed when a plan is validated, so a typo fails the
 * request, not the drill.
 */
import type { ScalarValue } from './checks.js';

export type Expectation =
  | { kind: 'compare'; operator: '==' | '!=' | '>=' | '<=' | '>' | '<'; operand: number | string }
  | { kind: 'between'; low: number; high: number }
  | { kind: 'matches'; pattern: RegExp };

const COMPARE = /^(==|!=|>=|<=|>|<)\s*(.+)$/;
const BETWEEN = /^between\s+(\S+)\s+and\s+(\S+)$/i;
const MATCHES = /^(?:matches|~)\s*\/(.*)\/([a-z]*)$/i;

export function parseExpectation(text: string): Expectation {
  const trimmed = text.trim();
  const between = BETWEEN.exec(trimmed);
  if (between) {
    const low = Number(between[1]);
    const high = Number(between[2]);
    if (!Number.isFinite(low) || !Number.isFinite(high)) throw new Error(`"${text}": between takes two numbers`);
    if (low > high) throw new Error(`"${text}": the lower bound is above the upper one`);
    return { kind: 'between', low, high };
  }
  const matches = MATCHES.exec(trimmed);
  if (matches) {
    try {
      return { kind: 'matches', pattern: new RegExp(matches[1]!, matches[2]) };
    } catch (err) {
      throw new Error(`"${text}": ${(err as Error).message}`);
    }
  }
  const compare = COMPARE.exec(trimmed);
  if (compare) {
    const operator = compare[1] as Extract<Expectation, { kind: 'compare' }>['operator'];
    const operand = parseOperand(compare[2]!.trim());
    if (typeof operand === 'string' && operator !== '==' && operator !== '!=') throw new Error(`"${text}": ${operator} needs a number`);
    return { kind: 'compare', operator, operand };
  }
  throw new Error(`"${text}" is not an expectation: use e.g. ">= 1000", "== 0", "between 1 and 5" or "matches /regex/"`);
}

function parseOperand(raw: string): number | string {
  const quoted = /^'(.*)'$|^"(.*)"$/.exec(raw);
  if (quoted) return quoted[1] ?? quoted[2] ?? '';
  const number = Number(raw);
  if (raw !== '' && Number.isFinite(number)) return number;
  throw new Error(`"${raw}" is neither a number nor a quoted string`);
}

/** True when the query's value meets the expectation; null (no row, or SQL NULL) meets only `!=`. */
export function meetsExpectation(expectation: Expectation, value: ScalarValue): boolean {
  switch (expectation.kind) {
    case 'between': {
      const number = asNumber(value);
      return number !== null && number >= expectation.low && number <= expectation.high;
    }
    case 'matches':
      return value !== null && expectation.pattern.test(String(value));
    case 'compare': {
      const { operator, operand } = expectation;
      if (typeof operand === 'string') {
        const equal = value !== null && String(value) === operand;
        return operator === '==' ? equal : !equal;
      }
      const number = asNumber(value);
      if (number === null) return operator === '!=';
      switch (operator) {
        case '==': return number === operand;
        case '!=': return number !== operand;
        case '>=': return number >= operand;
        case '<=': return number <= operand;
        case '>': return number > operand;
        case '<': return number < operand;
      }
    }
  }
}

/** SQL drivers hand back bigint/numeric as text; a value that reads as a number compares as one. */
function asNumber(value: ScalarValue): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}
