import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RogerError, badInput, systemError, type ErrorKind } from '../core/errors.js';
import type { BuildFile } from '../core/project.js';
import { parseBuildFile, type ParseOptions } from './parse.js';

export type WorkerAnswer = { ok: true; buildFile: BuildFile } | { ok: false; kind: ErrorKind; message: string };

/** Far beyond the second or so the largest accepted file takes; past it the input is hostile. */
export const PARSE_TIMEOUT_MS = 30_000;
/** Heap for one parse: a 1 MB file needs a fraction of this. */
const PARSE_HEAP_MB = 256;

/** Below this a parse takes milliseconds, less than starting a worker. */
const INLINE_CHARS = 16 * 1024;

const WORKER = new URL('./parse-worker.js', import.meta.url);

/**
 * parseBuildFile in a worker thread, so the server keeps answering while a large or hostile file is
 * parsed: yaml's parser is synchronous and a 1 MB document holds the thread for seconds. The worker
 * has its own heap limit and a deadline, so no build.yml can take the server's memory or hang it.
 * Small files, and runs from TypeScript sources (tests) where there is no compiled worker, parse in place.
 */
export function parseBuildFileOffThread(text: string, opts: ParseOptions): Promise<BuildFile> {
  if (text.length <= INLINE_CHARS || !existsSync(fileURLToPath(WORKER))) return Promise.resolve().then(() => parseBuildFile(text, opts));
  const fileName = opts.fileName ?? 'build.yml';
  return new Promise<BuildFile>((resolve, reject) => {
    const worker = new Worker(WORKER, {
      workerData: { text, opts },
      resourceLimits: { maxOldGenerationSizeMb: PARSE_HEAP_MB },
    });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      void worker.terminate();
    };
    const timer = setTimeout(() => {
      settle(() => reject(badInput(`${fileName}: parsing took longer than ${PARSE_TIMEOUT_MS / 1000}s; simplify the file`)));
    }, PARSE_TIMEOUT_MS);
    worker.on('message', (answer: WorkerAnswer) => {
      settle(() => (answer.ok ? resolve(answer.buildFile) : reject(new RogerError(answer.kind, answer.message))));
    });
    worker.on('error', (err: Error) => {
      const outOfMemory = 'code' in err && err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      settle(() =>
        reject(outOfMemory ? badInput(`${fileName}: parsing needs more than ${PARSE_HEAP_MB} MB of memory`, err) : systemError(`cannot parse ${fileName}`, err)),
      );
    });
    worker.on('exit', (code) => settle(() => reject(systemError(`the ${fileName} parser stopped (exit code ${code}) without an answer`))));
  });
}
