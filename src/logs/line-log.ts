import type { BuildLog } from '../core/log.js';

/**
 * A BuildLog that timestamps each line and masks secrets before handing it to `sink`.
 * Masking happens here, once, so no stage has to remember to do it.
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
      for (const line of mask(text).split('\n')) sink(`${stamp} ${line}\n`);
    },
  };
}
