import { StringDecoder } from 'node:string_decoder';
import type { BuildLog } from '../core/log.js';

/**
 * Command output into the build log, line by line, within a budget: a hook printing megabytes must not
 * flood the log (or memory), but the command must still run to its end, so excess output is drained
 * and dropped rather than making the command fail.
 */

/** What one command (or one build step) may log before the rest is dropped. */
export const OUTPUT_LIMIT = 5 * 1024 * 1024;
/**
 * What one whole build may log, however many steps it has. Never reset: a step's budget is reset on
 * every `Step N/M :` line, which a RUN can print itself, so this is what bounds a build's log.
 */
export const BUILD_OUTPUT_LIMIT = 20 * 1024 * 1024;
/** Longer lines are cut into pieces so a newline-free stream cannot grow a line without bound. */
export const MAX_LINE = 64 * 1024;

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${bytes} bytes`;
}

export interface BudgetOptions {
  /** Bytes that may be logged; default OUTPUT_LIMIT. */
  limit?: number;
  /** An enclosing budget every logged line is also charged to (a build's total around its steps). */
  parent?: OutputBudget;
  /** What the limit applies to, for the truncation line: `more than 20 MB <scope>`. */
  scope?: string;
}

/** Shared by a command's stdout and stderr so the limit holds for both together. */
export class OutputBudget {
  private used = 0;
  private truncated = false;
  private readonly limit: number;
  private readonly parent: OutputBudget | undefined;
  private readonly scope: string | undefined;

  constructor(
    private readonly log: BuildLog,
    limitOrOptions: number | BudgetOptions = {},
  ) {
    const opts = typeof limitOrOptions === 'number' ? { limit: limitOrOptions } : limitOrOptions;
    this.limit = opts.limit ?? OUTPUT_LIMIT;
    this.parent = opts.parent;
    this.scope = opts.scope;
  }

  /** Whether a line of `bytes` may still be logged; says so once when the budget runs out. */
  take(bytes: number): boolean {
    if (this.truncated) return false;
    if (this.used + bytes > this.limit) {
      this.truncated = true;
      const scope = this.scope ? ` ${this.scope}` : '';
      this.log.write(`output truncated: more than ${size(this.limit)}${scope}, the rest is not logged`);
      return false;
    }
    // The parent says so itself, once, when it runs out; nothing is charged here then, so this budget
    // cannot run out (and say so again) after it.
    if (this.parent && !this.parent.take(bytes)) return false;
    this.used += bytes;
    return true;
  }

  /** A new build step gets a fresh budget, so a noisy step does not hide the steps after it. */
  reset(): void {
    this.used = 0;
    this.truncated = false;
  }
}

/** Buffers partial lines until their newline; one per output stream. */
export class LineSink {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(
    private readonly log: BuildLog,
    private readonly budget: OutputBudget,
    /** Called for each complete line before it is logged (builds watch for `Step N/M`). */
    private readonly onLine?: (line: string) => void,
  ) {}

  push(chunk: Buffer | string): void {
    this.partial += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) !== -1) {
      this.line(this.partial.slice(0, nl));
      this.partial = this.partial.slice(nl + 1);
    }
    while (this.partial.length > MAX_LINE) {
      this.line(this.partial.slice(0, MAX_LINE));
      this.partial = this.partial.slice(MAX_LINE);
    }
  }

  /** Logs what is left without a trailing newline. */
  flush(): void {
    this.partial += this.decoder.end();
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  private line(raw: string): void {
    const text = raw.replace(/\r$/, '');
    this.onLine?.(text);
    if (text.trim() === '') return;
    if (this.budget.take(Buffer.byteLength(text) + 1)) this.log.write(text);
  }
}
