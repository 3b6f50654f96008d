/** Argument handling every command shares: parsing with its usage on error, subcommands, values. */
import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDurationSeconds } from '../core/duration.js';
import { CliError, EXIT_PASSED, EXIT_USAGE_OR_INFRA } from './exit-codes.js';

export const HELP_FLAG = { help: { type: 'boolean', short: 'h', default: false } } as const;
export const JSON_FLAG = { json: { type: 'boolean', default: false } } as const;

export function parseOrExplain<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${usage}`);
  }
}

/**
 * Flags a command knows but refuses, each with what to use instead: a script written against an
 * older `drill` (or a flag from a sibling command) should learn what to change, not only that
 * the flag is unknown.
 */
export function refuseFlags(argv: string[], instead: Record<string, string>): void {
  for (const arg of argv) {
    const flag = arg.split('=')[0]!;
    if (Object.hasOwn(instead, flag)) throw new CliError(instead[flag]!);
  }
}

export type Subcommand = (argv: string[]) => Promise<number>;

export async function runSubcommand(argv: string[], usage: string, subcommands: Record<string, Subcommand>): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return name ? EXIT_PASSED : EXIT_USAGE_OR_INFRA;
  }
  const run = Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
  if (!run) throw new CliError(`unknown subcommand "${name}"\n\n${usage}`);
  return run(rest);
}

/** The one positional a subcommand takes (a plan, a channel), or a usage error naming it. */
export function onePositional(positionals: string[], what: string, usage: string): string {
  const [value, extra] = positionals;
  if (!value) throw new CliError(`${what} is required\n\n${usage}`);
  if (extra !== undefined) throw new CliError(`unexpected argument "${extra}"\n\n${usage}`);
  return value;
}

export function noPositionals(positionals: string[], usage: string): void {
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"\n\n${usage}`);
}

export function readJsonObject(flag: string, file: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`${flag}: ${file} is not a JSON object of ${what}: ${(err as Error).message}`);
  }
}

export function nonNegativeInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new CliError(`${flag} must be a whole number ≥ 0, got "${text}"`);
  return Number(text);
}

export function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value <= 0) throw new CliError(`${flag} must be a number > 0, got "${text}"`);
  return value;
}

export function durationSeconds(flag: string, text: string): number {
  try {
    return parseDurationSeconds(text);
  } catch (err) {
    throw new CliError(`${flag}: ${(err as Error).message}`);
  }
}

/** `--since 24h` or `--since 2026-11-01T00:00:00Z`: the API takes an ISO time with an offset. */
export function pointInTime(flag: string, text: string, now = new Date()): string {
  if (/^\d+(\.\d+)?\s*[smhdw]/i.test(text.trim())) return new Date(now.getTime() - durationSeconds(flag, text) * 1000).toISOString();
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new CliError(`${flag} takes an ISO time such as 2026-11-01T00:00:00Z (or 2026-11-01), or a duration back from now such as 24h or 7d; got "${text}"`);
  return at.toISOString();
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value));
}

/** `--help`: the usage on stdout, and success. */
export function printUsage(usage: string): number {
  console.log(usage);
  return EXIT_PASSED;
}
