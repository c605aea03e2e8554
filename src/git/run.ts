import { spawn } from 'node:child_process';
import { Readable, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { BuildLog } from '../core/log.js';
import { RogerError, systemError } from '../core/errors.js';
import { lineSplitter } from './lines.js';
import { mask } from './redact.js';

/** How long git gets to exit after SIGTERM before it is killed outright. */
const KILL_GRACE_MS = 5_000;
/** Captured stdout beyond this is read and dropped: a commit message, for one, can be any size. */
export const MAX_CAPTURE = 1024 * 1024;
/** The descriptor git writes its packet trace to (GIT_TRACE_PACKET takes 2-9 as a descriptor). */
const TRACE_FD = 3;
/** stderr lines kept for error messages; the last ones say what went wrong. */
const KEPT_STDERR_LINES = 100;

/**
 * What git may write into a build's log, shared by the commands of one checkout: a remote sending
 * endless progress or `remote:` lines fills no disk. Over it, one line says so and the rest is dropped.
 */
export class LogBudget {
  private left: number;
  private spent = false;

  constructor(private readonly limit: number) {
    this.left = limit;
  }

  /** Whether `line` may still be logged; says so in `log` once, when the budget runs out. */
  take(line: string, log: BuildLog): boolean {
    if (this.spent) return false;
    const bytes = Buffer.byteLength(line) + 1;
    if (bytes <= this.left) {
      this.left -= bytes;
      return true;
    }
    this.spent = true;
    log.write(`git output truncated: more than ${Math.round(this.limit / 1024 / 1024)} MB, the rest is not logged`);
    return false;
  }
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Receives git's output lines, masked; stdout only when not captured. */
  log?: BuildLog;
  signal?: AbortSignal;
  /** Masked out of every logged and returned line. */
  secrets: readonly string[];
  /** stdout is data for the caller (returned, not logged), up to MAX_CAPTURE characters. */
  captureStdout?: boolean;
  /** Charged for every logged line. */
  budget?: LogBudget;
  /**
   * Receives git's packet trace (GIT_TRACE_PACKET), line by line, through a pipe of its own: what
   * the remote advertised, which no porcelain prints (the HEAD symref a fetch was told). Never logged.
   */
  packetTrace?: (line: string) => void;
  /** Written to git's stdin, which is then closed; without it git reads nothing. */
  input?: string;
}

export interface RunResult {
  code: number;
  /** Captured stdout (empty unless `captureStdout`), masked. */
  stdout: string;
  /** git wrote more than MAX_CAPTURE to stdout; `stdout` is its beginning. */
  truncated: boolean;
  /** The last stderr lines, masked; kept for error messages. */
  stderr: string[];
}

/**
 * Runs one git command without a shell. Resolves with the exit code (callers decide what a failure
 * means); rejects only when git cannot be started (system) or the signal aborts it (canceled).
 */
export function runGit(binary: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  if (opts.signal?.aborted) return Promise.reject(canceled());
  return new Promise((resolve, reject) => {
    // Its own process group, so cancelling also stops what git started (git-remote-https, ssh),
    // which would otherwise hold the pipes open and keep talking to a remote that may never answer.
    // fd 3 is inherited by what git starts (git-remote-https), which traces the advertisement too.
    const traced = opts.packetTrace !== undefined;
    const env = traced ? { ...opts.env, GIT_TRACE_PACKET: String(TRACE_FD) } : opts.env;
    const fed = opts.input !== undefined;
    const child = spawn(binary, args, { cwd: opts.cwd, env, stdio: [fed ? 'pipe' : 'ignore', 'pipe', 'pipe', traced ? 'pipe' : 'ignore'], detached: true });
    const [out, err] = [piped(child.stdout), piped(child.stderr)];
    if (fed) {
      // git may exit before reading it all (a bad line): its exit code says so, not an EPIPE here.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input);
    }
    const stderr: string[] = [];
    let stdout = '';
    let truncated = false;
    const emit = (line: string): void => {
      if (!opts.log) return;
      const masked = mask(line, opts.secrets);
      if (!opts.budget || opts.budget.take(masked, opts.log)) opts.log.write(masked);
    };
    const errLines = lineSplitter((line) => {
      stderr.push(mask(line, opts.secrets));
      if (stderr.length > KEPT_STDERR_LINES) stderr.shift();
      emit(line);
    });
    const outLines = lineSplitter(emit);
    // Bytes, decoded only while they are kept: the rest of a huge output is counted and dropped.
    const decoder = new StringDecoder('utf8');
    out.on('data', (chunk: Buffer) => {
      if (!opts.captureStdout) outLines.push(decoder.write(chunk));
      else if (stdout.length >= MAX_CAPTURE) truncated = true;
      else {
        const text = decoder.write(chunk);
        const room = MAX_CAPTURE - stdout.length;
        if (text.length > room) truncated = true;
        stdout += text.length > room ? text.slice(0, room) : text;
      }
    });
    err.setEncoding('utf8');
    err.on('data', (chunk: string) => errLines.push(chunk));
    const trace = traced ? piped(child.stdio[TRACE_FD]) : undefined;
    const traceLines = lineSplitter((line) => opts.packetTrace?.(line));
    trace?.setEncoding('latin1');
    trace?.on('data', (chunk: string) => traceLines.push(chunk));

    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    const onAbort = (): void => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = (): void => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
    };

    child.on('error', (err: NodeJS.ErrnoException) => {
      cleanup();
      reject(
        err.code === 'ENOENT'
          ? systemError(`git is not installed or not executable: ${binary}`, err)
          : systemError(`could not run git: ${err.message}`, err),
      );
    });
    // A cancelled run ends when git exits, not when every pipe closes: a descendant that escaped
    // the group must not hold the build.
    child.on('exit', () => {
      if (!opts.signal?.aborted) return;
      cleanup();
      out.destroy();
      err.destroy();
      trace?.destroy();
      reject(canceled());
    });
    child.on('close', (code) => {
      cleanup();
      errLines.end();
      traceLines.end();
      if (!opts.captureStdout) outLines.push(decoder.end());
      outLines.end();
      if (opts.signal?.aborted) reject(canceled());
      else resolve({ code: code ?? 1, stdout: mask(stdout, opts.secrets), truncated, stderr });
    });
  });
}

/** A stream spawn was asked to pipe: node always makes it, the types cannot say so. */
function piped(stream: Readable | Writable | null | undefined): Readable {
  if (!(stream instanceof Readable)) throw systemError('git was started without the pipe Roger asked for');
  return stream;
}

function canceled(): RogerError {
  return new RogerError('canceled', 'git was stopped: the build was canceled or timed out');
}
