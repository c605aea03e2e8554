import { appendFileSync } from 'node:fs';
import type { Engine } from '../core/engine.js';

/**
 * Appends one JSON line per engine call of one build (`start`, then `end` or `error`) to `file`, with
 * this process's id: a record of which process drove which build when, kept even when the process is
 * killed (each line is written synchronously before the call proceeds).
 */
export function recordingEngine(engine: Engine, file: string, buildId: string): Engine {
  const write = (method: string, phase: string): void =>
    appendFileSync(file, `${JSON.stringify({ pid: process.pid, build: buildId, method, phase, t: Date.now() })}\n`);
  const wrapped: Partial<Record<keyof Engine, unknown>> = {};
  for (const method of ['pull', 'build', 'run', 'copyOut', 'runAndCopyOut', 'push', 'tag'] as const) {
    const original = engine[method] as (...args: unknown[]) => Promise<unknown>;
    wrapped[method] = async (...args: unknown[]): Promise<unknown> => {
      write(method, 'start');
      try {
        const result = await original.apply(engine, args);
        write(method, 'end');
        return result;
      } catch (err) {
        write(method, 'error');
        throw err;
      }
    };
  }
  return Object.assign(Object.create(engine) as Engine, wrapped);
}
