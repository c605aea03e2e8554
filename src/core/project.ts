import type { Labels } from './agent.js';

/** A project as build.yml describes it, validated. One project = one image. */
export interface PublishTarget {
  to: 's3';
  /** Path inside the built image to copy out and upload. */
  copy: string;
  bucket: string;
  bucketPath?: string;
  /** Command run in a container of the image before copying (e.g. `gulp build`). */
  command?: string;
}

export interface Project {
  /** The build.yml key: the image name. */
  name: string;
  /** Build context, relative to the repository root; '.' when not given. Never leaves the checkout. */
  dockerfilePath: string;
  /** Registry host, `dockerhub`, or undefined for app.defaultRegistry. */
  registry?: string;
  /** Directory (relative to dockerfilePath) where rev.txt is written; undefined = no rev.txt. */
  revfile?: string;
  /** Builder pattern: build `dockerfile`, extract `extract` from it, build the final image from that. */
  build?: { dockerfile: string; extract: string };
  /** Dockerfile name inside the context (Roger always used `Dockerfile`). */
  dockerfile: string;
  afterBuild: string[];
  notify: string[];
  publish: PublishTarget[];
  /** `tags:` templates, pushed besides Roger's own tag; absent = Roger's tag alone. */
  tags?: string[];
  /** `auto_tag:` on a semver git tag, also push major, major.minor and (for the highest release) latest. */
  autoTag?: boolean;
  /** `paths:` globs: a branch push builds the project only when a changed file matches one. */
  paths?: string[];
  /** `paths-ignore:` globs: changed files they match do not count. */
  pathsIgnore?: string[];
  /** False: pushing this project's image never queues builds of the projects whose FROM uses it
   *  (`rebuildDependents:` on the project, else in `settings:`). */
  rebuildDependents?: boolean;
  /** `agent:` labels an agent must offer to run this project's builds. */
  agent?: Labels;
}

/** Webhook matching rules (settings.matching). Absent = everything builds. */
export interface Matching {
  branches: string[];
  patterns: string[];
  tags: boolean;
}

export interface BuildFile {
  projects: Project[];
  /** What every project's `agent:` asks for together: the whole build runs on one agent. */
  agent?: Labels;
  matching?: Matching;
}
