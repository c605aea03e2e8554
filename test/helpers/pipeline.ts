import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/core/config.js';
import type { BuildOptions } from '../../src/core/build.js';
import { createDockerEngine } from '../../src/engine/docker.js';
import { createGit } from '../../src/git/cli.js';
import { createLineLog } from '../../src/logs/line-log.js';
import { KeyedLock } from '../../src/core/keyed-lock.js';
import { runPipeline, type PipelineResult } from '../../src/pipeline/run.js';
import { makeBareRepo, type FixtureFiles, type CommitOptions } from './fixture-repo.js';

export const BASE = '127.0.0.1:5000/busybox:latest';

/** Makes a bare repo of `files` and runs the real pipeline on it; returns the result and the log. */
export async function buildFixture(
  config: Config,
  files: FixtureFiles,
  opts: { ref?: string; commit?: CommitOptions; options?: BuildOptions; repoName?: string; signal?: AbortSignal } = {},
): Promise<PipelineResult & { log: string; repo: string; workDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'roger-repos-'));
  const { dir } = await makeBareRepo(root, opts.repoName ?? 'app', files, opts.commit);
  return buildRepo(config, dir, opts);
}

/** Runs the real pipeline on an existing repository. */
export async function buildRepo(
  config: Config,
  dir: string,
  opts: { ref?: string; options?: BuildOptions; signal?: AbortSignal } = {},
): Promise<PipelineResult & { log: string; repo: string; workDir: string }> {
  const lines: string[] = [];
  const workDir = join(config.paths.builds, 'workspaces', Math.random().toString(36).slice(2));
  const result = await runPipeline(
    { engine: createDockerEngine(config.docker.client), git: createGit(), config, pushLock: new KeyedLock() },
    {
      repo: dir,
      ref: opts.ref,
      options: opts.options ?? {},
      workDir,
      log: createLineLog((l) => lines.push(l)),
      signal: opts.signal ?? new AbortController().signal,
    },
  );
  return { ...result, log: lines.join(''), repo: dir, workDir };
}

/** Whether the registry holds `name:tag` (a HEAD on its manifest). */
export async function inRegistry(name: string, tag: string, registry = '127.0.0.1:5000'): Promise<boolean> {
  const res = await fetch(`http://${registry}/v2/${name}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  return res.ok;
}
