const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Infinity],
];

/** "12 sec. ago", "3 hr. ago", "yesterday". */
export function timeAgo(iso: string, now: number): string {
  let value = (Date.parse(iso) - now) / 1000;
  if (Math.abs(value) < 5) return 'just now';
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return absolute.format(new Date(iso));
}

export const fullDate = (iso: string): string => absolute.format(new Date(iso));

/** "850ms", "42s", "3m 05s", "1h 02m". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export const shortSha = (sha: string | null): string => (sha ? sha.slice(0, 7) : '');

/** The image's name and tag without the registry host: `127.0.0.1:5000/app:latest` -> `app:latest`. */
export function shortTag(tag: string | null): string {
  if (!tag) return '';
  const slash = tag.indexOf('/');
  const host = slash > 0 ? tag.slice(0, slash) : '';
  return /[.:]/.test(host) || host === 'localhost' ? tag.slice(slash + 1) : tag;
}

/** Escape sequences (colours, cursor moves) and terminal overwrites, so the log reads as plain text. */
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

export function plainLine(line: string): string {
  let s = line.replace(ANSI, '');
  if (s.endsWith('\r')) s = s.slice(0, -1);
  // A progress bar rewrites its line with \r: what a terminal would show is the last rewrite.
  const cr = s.lastIndexOf('\r');
  if (cr >= 0) s = s.slice(cr + 1);
  return s.replace(CONTROL, '');
}
