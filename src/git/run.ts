import { spawn } from 'node:child_process';
import type { BuildLog } from '../core/log.js';
import { RogerError, systemError } from '../core/errors.js';
import { lineSplitter } from './lines.js';
import { mask } from './redact.js';

/** How long git gets to exit after SIGTERM before it is killed outright. */
const KILL_GRACE_MS = 5_000;

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Receives git's output lines, masked; stdout only when not captured. */
  log?: BuildLog;
  signal?: AbortSignal;
  /** Masked out of every logged and returned line. */
  secrets: readonly string[];
  /** stdout is data for the caller (returned, not logged). */
  captureStdout?: boolean;
}

export interface RunResult {
  code: number;
  /** Captured stdout (empty unless `captureStdout`), masked. */
  stdout: string;
  /** stderr lines, masked; kept for error messages. */
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
    const child = spawn(binary, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const stderr: string[] = [];
    let stdout = '';
    const emit = (line: string): void => opts.log?.write(mask(line, opts.secrets));
    const errLines = lineSplitter((line) => {
      stderr.push(mask(line, opts.secrets));
      emit(line);
    });
    const outLines = lineSplitter(emit);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (opts.captureStdout) stdout += chunk;
      else outLines.push(chunk);
    });
    child.stderr.on('data', (chunk: string) => errLines.push(chunk));

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
      child.stdout.destroy();
      child.stderr.destroy();
      reject(canceled());
    });
    child.on('close', (code) => {
      cleanup();
      errLines.end();
      outLines.end();
      if (opts.signal?.aborted) reject(canceled());
      else resolve({ code: code ?? 1, stdout: mask(stdout, opts.secrets), stderr });
    });
  });
}

function canceled(): RogerError {
  return new RogerError('canceled', 'git was stopped: the build was canceled or timed out');
}
