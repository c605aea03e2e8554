import type { BuildLog } from '../core/log.js';

/**
 * `https://user:password@host` and `https://TOKEN@host`: credentials in URLs, whoever wrote them. The
 * scheme's length is bounded (real ones are short) so a line such as `a.a.a.a…` costs linear time, not
 * a scan to the end of the line from every word in it.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]{0,31}:\/\/)[^\s/@]+@/gi;
/** Longer lines are cut: a log line is for reading, and one line must not hold megabytes. */
export const MAX_LOG_LINE = 128 * 1024;
/** Longer texts given to one `write` are cut before anything else is done with them. */
const MAX_WRITE = 4 * 1024 * 1024;
/** Masking sees this much past a cut, so a secret that straddles it is still masked. */
const MASK_MARGIN = 16 * 1024;

/**
 * A BuildLog that timestamps each line and masks secrets before handing it to `sink`: the configured
 * ones (`mask`) and any credentials written into a URL. Masking happens here, once, so no stage has to
 * remember to do it. Lines are cut at MAX_LOG_LINE characters, whatever wrote them.
 */
export function createLineLog(
  sink: (line: string) => void,
  opts: { mask?: (text: string) => string; now?: () => Date } = {},
): BuildLog {
  const mask = opts.mask ?? ((t: string) => t);
  const now = opts.now ?? (() => new Date());
  return {
    write(text) {
      const stamp = now().toISOString();
      const long = text.length > MAX_WRITE;
      let masked = mask(long ? text.slice(0, MAX_WRITE + MASK_MARGIN) : text).replace(URL_CREDENTIALS, '$1*****@');
      if (long) masked = `${masked.slice(0, MAX_WRITE)} [cut: more than ${MAX_WRITE / 1024 / 1024} MB in one write]`;
      for (const line of masked.split('\n')) sink(`${stamp} ${capped(line)}\n`);
    },
  };
}

function capped(line: string): string {
  if (line.length <= MAX_LOG_LINE) return line;
  return `${line.slice(0, MAX_LOG_LINE)} [line cut: ${line.length - MAX_LOG_LINE} more characters not logged]`;
}
