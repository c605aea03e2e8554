import { parentPort, workerData } from 'node:worker_threads';
import { isRogerError } from '../core/errors.js';
import { parseBuildFile, type ParseOptions } from './parse.js';
import type { WorkerAnswer } from './off-thread.js';

/** Entry point of the worker thread that parses one build.yml (see off-thread.ts). */
const { text, opts } = workerData as { text: string; opts: ParseOptions };
let answer: WorkerAnswer;
try {
  answer = { ok: true, buildFile: parseBuildFile(text, opts) };
} catch (err) {
  if (!isRogerError(err)) throw err;
  answer = { ok: false, kind: err.kind, message: err.message };
}
parentPort?.postMessage(answer);
