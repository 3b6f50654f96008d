const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * Parses operator-friendly durations such as `36h`, `7d`, `1h30m` or `90s` into whole seconds.
 * A bare number is rejected: "--max-age 36" is ambiguous and a silent guess would hide a typo.
 */
export function parseDurationSeconds(text: string): number {
  const trimmed = text.trim().toLowerCase();
  const parts = trimmed.match(/(\d+(?:\.\d+)?)\s*([smhdw])/g);
  if (!parts || parts.join('').replace(/\s/g, '') !== trimmed.replace(/\s/g, '')) {
    throw new Error(`"${text}" is not a duration: use a number with a unit, e.g. 90s, 45m, 36h, 7d, 1h30m`);
  }
  let seconds = 0;
  for (const part of parts) {
    const [, amount, unit] = part.match(/(\d+(?:\.\d+)?)\s*([smhdw])/) as RegExpMatchArray;
    seconds += Number(amount) * (UNIT_SECONDS[unit as string] as number);
  }
  if (seconds <= 0) throw new Error(`"${text}" must be longer than zero`);
  return Math.round(seconds);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSeconds = ms / 1000;
  if (totalSeconds < 60) return `${totalSeconds.toFixed(1)}s`;
  const hours = Math.floor(totalSeconds / 3600);
  // Beyond a week, hours stop being readable ("6738h02m"); days are what a reader compares.
  if (hours >= 7 * 24) return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = Math.floor(totalSeconds % 60);
  return hours > 0 ? `${hours}h${String(minutes).padStart(2, '0')}m` : `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
