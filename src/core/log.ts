/**
 * The build log port. Stages write human lines; the implementation timestamps them, masks secrets and
 * stores or prints them. Kept tiny so every adapter (engine, git, hooks) can take one.
 */
export interface BuildLog {
  /** Appends one line (or several, split on newlines) to the log. */
  write(text: string): void;
}

/** A log that prefixes every line, e.g. with `[project]` when several projects build at once. */
export function prefixed(log: BuildLog, prefix: string): BuildLog {
  return { write: (text) => log.write(text.split('\n').map((l) => `${prefix} ${l}`).join('\n')) };
}

/** Discards everything; for callers that do not keep a log. */
export const nullLog: BuildLog = { write: () => undefined };
