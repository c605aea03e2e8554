import type { Readable } from 'node:stream';
import type { BuildLog } from './log.js';

/** Credentials for one registry, as the Engine API's X-Registry-Auth wants them. */
export interface RegistryAuth {
  username: string;
  password: string;
  email?: string;
  serveraddress: string;
}

export interface ImageBuildRequest {
  /** An uncompressed tar stream of the build context. */
  context: Readable;
  /** Dockerfile path inside the context. */
  dockerfile: string;
  /**
   * Full references to tag the image with, e.g. `127.0.0.1:5000/app:latest`. May be empty: the image
   * is then only known by the id `build` resolves with (tag it later with `tag`).
   */
  tags: string[];
  nocache?: boolean;
  buildargs?: Record<string, string>;
  target?: string;
  /** Labels the engine adds to the image; they override the Dockerfile's own LABELs of the same key. */
  labels?: Record<string, string>;
  log: BuildLog;
  signal?: AbortSignal;
}

/** Runs one command in a shell's container; resolves with its exit code. */
export type ShellExec = (command: string, log: BuildLog) => Promise<{ exitCode: number }>;

export interface RunRequest {
  image: string;
  /** Command run as `/bin/sh -c <command>`. */
  command: string;
  log: BuildLog;
  /** Aborting stops and removes the container. */
  signal?: AbortSignal;
}

/**
 * One run of a build, as the containers it creates are labelled: the process holding the build's lease
 * (`agent:<name>`, `server:<name>`), the run's build (its group's first build) and the lease's attempt.
 */
export interface ContainerRun {
  owner: string;
  build: string;
  attempt: number;
}

/**
 * A run that is over (its lease was taken back, or its process restarted) whose containers may be
 * left; without `owner`, whichever process's run of that build and attempt it was.
 */
export type LeftoverRun = Pick<ContainerRun, 'build' | 'attempt'> & { owner?: string };

/** A container `removeLeftovers` removed, by its labels. */
export interface RemovedContainer {
  id: string;
  owner: string | undefined;
  build: string | undefined;
}

/**
 * The Engine port: the Docker Engine API as the pipeline uses it.
 *
 * Contract: every method that creates a container removes it before it settles, whether it succeeds,
 * fails or is aborted, so callers never clean up containers. Images are left for the caller.
 * A failure of the user's input (Dockerfile error, failing command, push refused) rejects with a
 * RogerError of kind `build-failed` carrying Docker's message; an unreachable engine rejects with kind
 * `system`. Output is streamed line by line into the given log; progress bars are summarised.
 */
export interface Engine {
  /** Checks the engine answers; rejects with a clear `system` error when it does not. */
  ping(): Promise<void>;
  imageExists(ref: string): Promise<boolean>;
  /**
   * The registry digests the local image `ref` is known by (its RepoDigests, `repo@sha256:…`); empty
   * for an image never pulled or pushed, undefined when there is no such local image.
   */
  localDigests(ref: string): Promise<string[] | undefined>;
  /**
   * The digest of the manifest the registry holds for `ref`, asked through the engine's distribution
   * endpoint (a manifest request, nothing is pulled). Rejects when the registry cannot be asked.
   */
  registryDigest(ref: string, auth: RegistryAuth | undefined, signal?: AbortSignal): Promise<string>;
  /** Pulls `ref`. Rejects when the pull fails (the caller decides whether a local copy is enough). */
  pull(ref: string, auth: RegistryAuth | undefined, log: BuildLog, signal?: AbortSignal): Promise<void>;
  /** Builds an image; resolves with its id once every tag (if any) is applied. */
  build(req: ImageBuildRequest): Promise<{ imageId: string }>;
  /**
   * Applies `ref` (repo:tag, `latest` when it has no tag) to `image`, an image id or reference; a tag
   * `ref` already names moves to `image`. Rejects when `image` does not exist.
   */
  tag(image: string, ref: string): Promise<void>;
  /** Runs a command in a fresh container of `image`; resolves with its exit code. */
  run(req: RunRequest): Promise<{ exitCode: number }>;
  /**
   * Starts one container of `image` that stays up (a shell waiting on its open stdin) and calls `use`
   * with an `exec` that runs commands in it one at a time, each as `/bin/sh -c <command>` by `docker
   * exec`, output streamed into the given log. The container is removed before this settles; aborting
   * `signal` removes it at once (killing a running command) and rejects with `canceled`.
   * Resolves undefined without calling `use` when the image cannot host such a container: it has an
   * ENTRYPOINT (which a plain run would go through) or no `/bin/sh`.
   */
  withShell<T>(image: string, signal: AbortSignal | undefined, use: (exec: ShellExec) => Promise<T>): Promise<{ value: T } | undefined>;
  /** Copies `path` out of a fresh container of `image` into the directory `dest` (created if needed). */
  copyOut(image: string, path: string, dest: string, signal?: AbortSignal): Promise<void>;
  /**
   * Runs `req.command` in a fresh container of `req.image`, then, when it exited 0, copies `path` out
   * of that same container (so the command's output files are there) into `dest`, as `copyOut` does.
   * Resolves with the exit code; on a non-zero exit nothing is copied.
   */
  runAndCopyOut(req: RunRequest, path: string, dest: string): Promise<{ exitCode: number }>;
  /** Pushes `ref`; resolves with the manifest digest the registry reported. */
  push(ref: string, auth: RegistryAuth | undefined, log: BuildLog, signal?: AbortSignal): Promise<{ digest?: string }>;
  /** Removes an image reference; missing images are not an error. */
  removeImage(ref: string): Promise<void>;
  /** Removes dangling images (intermediate layers of old builds); returns bytes reclaimed. */
  pruneDangling(): Promise<number>;
  /**
   * This engine as one run uses it: every container it creates is labelled with `run` too, so the
   * containers of a process killed mid-run (which no contract can clean up) are found later.
   */
  forRun(run: ContainerRun): Engine;
  /** The runs that have containers on this engine (any state), by their labels, each once. */
  containerRuns(): Promise<ContainerRun[]>;
  /**
   * Removes, killing them if they run, this engine's containers of `runs`; resolves with what it
   * removed. Only for runs that are over: their owner restarted or lost the lease.
   */
  removeLeftovers(runs: readonly LeftoverRun[]): Promise<RemovedContainer[]>;
}
