/**
 * Cuts a stream of text chunks into lines. git ends progress updates with `\r`, so both `\r` and
 * `\n` end a line; a line split across chunks is held until its end arrives.
 */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      const parts = (rest + chunk).split(/\r\n|\r|\n/);
      rest = parts.pop() ?? '';
      for (const line of parts) if (line !== '') onLine(line);
    },
    end() {
      if (rest !== '') onLine(rest);
      rest = '';
    },
  };
}
