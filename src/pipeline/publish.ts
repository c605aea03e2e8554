import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import type { Engine } from '../core/engine.js';
import { buildFailed, toError } from '../core/errors.js';
import type { BuildLog } from '../core/log.js';
import type { PublishTarget } from '../core/project.js';
import { publisherKind, type PublisherKind } from '../core/publisher.js';
import { listFiles, type SkippedEntry } from '../publish/files.js';

export interface PublishRun {
  engine: Engine;
  kinds: readonly PublisherKind[];
  /** `publishers` of config.yml, by kind name. */
  settings: Config['publishers'];
  /** The built image (id or reference). */
  image: string;
  /** The build's workspace; the copied files live in a directory of their own below it. */
  workDir: string;
  log: BuildLog;
  signal: AbortSignal;
}

/** Warning lines about skipped entries before the rest are only counted. */
const SKIPPED_SHOWN = 20;

/**
 * Stage 7: every `publish:` entry in order. Its `command` runs in a fresh container of the image, the
 * `copy` path comes out of that same container into a temporary directory, and every regular file
 * in it is uploaded. The first failure fails the build (so nothing is pushed); the temporary
 * directory is removed whatever happens.
 */
export async function publishArtifacts(targets: readonly PublishTarget[], run: PublishRun): Promise<void> {
  for (const target of targets) await publishOne(target, run);
}

async function publishOne(target: PublishTarget, run: PublishRun): Promise<void> {
  const { engine, image, log, signal } = run;
  // Before anything runs: a publisher's bad settings are config.yml's fault, not the image's.
  const publisher = publisherKind(run.kinds, target.to).create(run.settings[target.to]);
  const started = Date.now();
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(run.workDir, 'publish-'));
    if (target.command !== undefined) {
      log.write(`Running publish command: ${target.command}`);
      const { exitCode } = await engine.runAndCopyOut({ image, command: target.command, log, signal }, target.copy, dir);
      if (exitCode !== 0) throw buildFailed(`publish command "${target.command}" exited with code ${exitCode}`);
    } else {
      await engine.copyOut(image, target.copy, dir, signal);
    }
    const { files, skipped } = await listFiles(dir);
    warnSkipped(skipped, target.copy, log);
    const where = destination(target);
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    if (files.length === 0) log.write(`Warning: ${target.copy} holds no files; nothing is uploaded to ${where}`);
    else log.write(`Uploading ${count(files.length)} (${megabytes(bytes)}) from ${target.copy} to ${where}`);
    await publisher.publish({ target, files, log, signal });
    if (files.length > 0) log.write(`Published ${count(files.length)} to ${where} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } finally {
    publisher.close();
    if (dir !== undefined) {
      await rm(dir, { recursive: true, force: true }).catch((err: unknown) => {
        log.write(`Warning: could not remove ${dir}: ${toError(err).message}`);
      });
    }
  }
}

function warnSkipped(skipped: readonly SkippedEntry[], copy: string, log: BuildLog): void {
  for (const s of skipped.slice(0, SKIPPED_SHOWN)) log.write(`Warning: not uploaded: ${copy}/${s.name} is ${s.reason}`);
  if (skipped.length > SKIPPED_SHOWN) log.write(`Warning: ${skipped.length - SKIPPED_SHOWN} more entries of ${copy} not uploaded`);
}

function destination(target: PublishTarget): string {
  const prefix = (target.bucketPath ?? '').replace(/^\/+|\/+$/g, '');
  return `${target.to}://${target.bucket}/${prefix === '' ? '' : `${prefix}/`}`;
}

const count = (n: number): string => `${n} file${n === 1 ? '' : 's'}`;
const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
