import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, parseDurationSeconds } from '../../core/duration.js';
import { globToRegExp, hasGlobChars } from '../../core/glob.js';

describe('globToRegExp', () => {
  it.each([
    ['app-*.dump', 'app-2026-11-26.dump', true],
    ['app-*.dump', 'app-2026-11-26.dump.sha256', false],
    ['app-*.dump', 'other-1.dump', false],
    ['db-??.sql.gz', 'db-01.sql.gz', true],
    ['db-??.sql.gz', 'db-001.sql.gz', false],
    ['*.{dump,sql}', 'x.sql', true],
    ['*.{dump,sql}', 'x.tar', false],
    ['[!.]*', '.hidden', false],
    ['back(up)+.dump', 'back(up)+.dump', true],
  ])('%s matches %s: %s', (glob, name, expected) => {
    expect(globToRegExp(glob).test(name)).toBe(expected);
  });

  it('knows a glob from a plain name', () => {
    expect(hasGlobChars('app-*.dump')).toBe(true);
    expect(hasGlobChars('app-2026.dump')).toBe(false);
  });
});

describe('durations', () => {
  it.each([
    ['90s', 90],
    ['45m', 2700],
    ['36h', 129600],
    ['7d', 604800],
    ['1h30m', 5400],
    ['2w', 1209600],
  ])('parses %s', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each(['36', 'h', '10 parsecs', '', '0s'])('rejects %j with a hint', (text) => {
    expect(() => parseDurationSeconds(text)).toThrow(/duration|longer than zero/);
  });

  it('formats for people', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(4200)).toBe('4.2s');
    expect(formatDuration(252_000)).toBe('4m12s');
    expect(formatDuration(3 * 86400_000)).toBe('72h00m');
    expect(formatBytes(9.2 * 1024 * 1024)).toBe('9.2 MiB');
  });
});
