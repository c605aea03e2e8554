import type { BuildLog } from '../core/log.js';

/** `https://user:password@host` and `https://TOKEN@host`: credentials in URLs, whoever wrote them. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

/**
 * A BuildLog that timestamps each line and masks secrets before handing it to `sink`: the configured
 * ones (`mask`) and any credentials written into a URL. Masking happens here, once, so no stage has to
 * remember to do it.
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
      for (const line of mask(text).replace(URL_CREDENTIALS, '$1*****@').split('\n')) sink(`${stamp} ${line}\n`);
    },
  };
}
