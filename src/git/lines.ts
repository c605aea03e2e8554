/** Longer lines are cut: a newline-free stream (a hostile remote, a giant commit) cannot grow one without bound. */
export const MAX_LINE = 64 * 1024;

/**
 * Cuts a stream of text chunks into lines. git ends progress updates with `\r`, so both `\r` and
 * `\n` end a line; a line split across chunks is held until its end arrives, up to `maxLine`
 * characters: the rest of a longer line is dropped, and its first part says it was cut.
 */
export function lineSplitter(
  onLine: (line: string) => void,
  maxLine = MAX_LINE,
): { push(chunk: string): void; end(): void } {
  let rest = '';
  // Inside a line already cut: everything up to its end is dropped.
  let skipping = false;
  const emit = (line: string): void => {
    if (line !== '') onLine(line.length > maxLine ? cut(line, maxLine) : line);
  };
  return {
    push(chunk) {
      const parts = (rest + chunk).split(/\r\n|\r|\n/);
      rest = parts.pop() ?? '';
      for (const line of parts) {
        if (skipping) skipping = false;
        else emit(line);
      }
      if (rest.length > maxLine) {
        if (!skipping) emit(rest);
        skipping = true;
        rest = '';
      }
    },
    end() {
      if (!skipping) emit(rest);
      rest = '';
      skipping = false;
    },
  };
}

function cut(line: string, maxLine: number): string {
  return `${line.slice(0, maxLine)} [line cut at ${maxLine} characters]`;
}
