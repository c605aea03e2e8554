import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker copies the write-ahead log into the database file. */
export const CHECKPOINT_INTERVAL_MS = 200;
/** SQLite's own default, put back if the worker ever stops: the log must never grow without bound. */
const AUTOCHECKPOINT_PAGES = 1000;

/**
 * Runs in the worker thread, on a connection of its own. PASSIVE never waits for readers or writers
 * and never blocks them: it copies what it can and the next round copies the rest. Plain CommonJS
 * source, so it runs the same from the compiled server and from the TypeScript sources under test.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
const round = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next round tries again */ } };
const timer = setInterval(round, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); round(); db.close(); parentPort.close(); });
`;

/** The connection the server writes through: only what the checkpointer needs of better-sqlite3's. */
interface Connection {
  pragma(source: string): unknown;
}

export interface Checkpointer {
  /** Ends the worker after a last round; the server's connection takes checkpoints over again. */
  stop(): Promise<void>;
}

/**
 * Takes SQLite's checkpoints off the event loop. By default the connection that commits past 1,000
 * pages of log copies them into the database file then and there, and better-sqlite3 is synchronous:
 * every few hundred webhook deliveries or log lines, the server stood still for a checkpoint's writes
 * and fsync (5-10 ms on a plain disk, more on a busy one). With a worker thread doing them on its own
 * connection, the server's commits only ever append. Should the worker fail, the server's connection
 * checkpoints by itself again.
 */
export function startCheckpointer(connection: Connection, path: string): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  connection.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, path, intervalMs: CHECKPOINT_INTERVAL_MS } });
  let stopping = false;
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      if (!stopping) connection.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      resolve();
    });
  });
  // An error ends the worker: the exit handler above puts the server's own checkpoints back.
  worker.on('error', () => undefined);
  // Never what keeps a process alive.
  worker.unref();
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        // Waited for: a process closing its store must not end before the worker's last round.
        worker.ref();
        worker.postMessage('stop');
        await exited;
        connection.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      })()),
  };
}
