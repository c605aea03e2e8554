import type { BuildOptions } from '../core/build.js';
import type { Config } from '../core/config.js';
import type { Engine, RegistryAuth } from '../core/engine.js';
import type { Commit, Git } from '../core/git.js';
import type { BuildLog } from '../core/log.js';
import type { BuildFile, Project } from '../core/project.js';
import type { PublisherKind } from '../core/publisher.js';
import type { KeyedLock } from '../core/keyed-lock.js';
import type { BaseImageChecks } from './pull.js';

export interface PipelineDeps {
  engine: Engine;
  git: Git;
  config: Config;
  /** Serialises tag-and-push per image reference across the builds of one process. */
  pushLock: KeyedLock;
  /**
   * The process's base image checks, shared by its builds so `builds.pullInterval` holds across them;
   * without it each build checks its base images itself.
   */
  baseImages?: BaseImageChecks;
  /** What `publish: [{to: ...}]` may name; default: every built-in publisher (s3). */
  publishers?: readonly PublisherKind[];
  /** Past builds, for `paths:` filters; without it every project builds. */
  history?: BuildHistory;
}

/** What the pipeline asks of past builds. */
export interface BuildHistory {
  /** The commit of the newest passed build of `project` (`<repo>__<name>`) on `branch`. */
  lastPassedCommit(project: string, branch: string): Promise<string | undefined>;
}

export interface PipelineRequest {
  /** Checked repository URL or local path. */
  repo: string;
  /** Branch or tag; undefined = the repository's default branch. */
  ref?: string;
  options: BuildOptions;
  /** A directory of this build's own; removed by the runner when the build ends. */
  workDir: string;
  log: BuildLog;
  signal: AbortSignal;
}

/** What the checkout stage learns; every project stage reads it. */
export interface CheckedOut {
  dir: string;
  ref: string;
  defaultBranch: string | undefined;
  commit: Commit;
  buildFile: BuildFile;
  /**
   * Looked up only when a project has `tags:` or `auto_tag:`: whether the ref is a branch or a tag
   * (the checkout tries branches first), and the repository's tag names.
   */
  refs?: { refType: 'branch' | 'tag'; tags: string[] };
}

/** One project with everything resolved: where its context is, what it is called, how to push it. */
export interface PlannedProject {
  project: Project;
  /** Absolute build context directory, verified to stay inside the checkout. */
  contextDir: string;
  /** `<registry>/<name>:<tag>` (no registry part for Docker Hub). */
  image: string;
  tag: string;
  /** Every reference pushed, `image` first, without duplicates (more than one only with `tags:`/`auto_tag:`). */
  images: string[];
  registry: string;
  auth: RegistryAuth | undefined;
}

/** `skipped`: `paths:`/`paths-ignore:` found no change that concerns the project; nothing was built. */
export type ProjectOutcome = 'passed' | 'failed' | 'canceled' | 'skipped';

export interface ProjectResult {
  project: string;
  image: string;
  outcome: ProjectOutcome;
  digest?: string;
  /** The failing step and Docker's (or the hook's) message. */
  error?: string;
  durationMs: number;
  /** The images the Dockerfiles' FROM lines name (after ARG substitution), once the image was built. */
  baseImages?: string[];
}
