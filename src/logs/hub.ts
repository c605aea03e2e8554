import { EventEmitter } from 'node:events';
import type { BuildLog } from '../core/log.js';
import type { Store } from '../core/store.js';
import { createLineLog } from './line-log.js';

/** How much of a log one read returns. */
const PAGE_CHARS = 1024 * 1024;

export interface GroupLog extends BuildLog {
  /** Writes what is buffered to the store; resolves when it is there. */
  flush(): Promise<void>;
}

/**
 * Build logs kept in the Store (so a build run by a remote agent is readable here) with live
 * following. Writers batch lines to keep database writes few; followers are woken by local writes and
 * otherwise poll, which covers logs written by other processes.
 */
export class LogHub {
  private readonly events = new EventEmitter();
  private readonly closing = new AbortController();
  constructor(
    private readonly store: Store,
    private readonly opts: { mask: (text: string) => string; flushMs?: number; pollMs?: number },
  ) {
    this.events.setMaxListeners(0);
  }

  writer(groupId: string): GroupLog {
    let buffer = '';
    let chain: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const flush = (): Promise<void> => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (buffer === '') return chain;
      const text = buffer;
      buffer = '';
      chain = chain
        .then(() => this.store.appendLog(groupId, text))
        .then(() => void this.events.emit(groupId))
        // A log write that fails must not fail the build; the build's status still records the outcome.
        .catch(() => undefined);
      return chain;
    };
    const lines = createLineLog(
      (line) => {
        buffer += line;
        if (buffer.length > 64 * 1024) void flush();
        else timer ??= setTimeout(() => void flush(), this.opts.flushMs ?? 200);
      },
      { mask: this.opts.mask },
    );
    return { write: (text) => lines.write(text), flush };
  }

  /** Wakes followers of a group, e.g. when its builds have finished. */
  touch(groupId: string): void {
    this.events.emit(groupId);
  }

  /**
   * Yields the group's log from the start, then as it grows, until `finished()` says it is done, the
   * caller's `signal` aborts, or the hub closes. Reads go page by page, so a huge log never has to fit
   * in one string.
   */
  async *follow(groupId: string, finished: () => Promise<boolean>, signal?: AbortSignal): AsyncGenerator<string> {
    const stop = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    let offset = 0;
    for (;;) {
      const done = await finished();
      for (;;) {
        const page = await this.store.readLog(groupId, offset, PAGE_CHARS);
        if (page === '' || stop.aborted) break;
        offset += page.length;
        yield page;
      }
      if (done || stop.aborted) return;
      await this.wait(groupId, stop);
    }
  }

  /** Ends every follow (server shutdown: an open log stream must not hold the process up). */
  close(): void {
    this.closing.abort();
  }

  private wait(groupId: string, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.events.off(groupId, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.opts.pollMs ?? 1000);
      this.events.on(groupId, done);
      signal?.addEventListener('abort', done);
    });
  }
}
