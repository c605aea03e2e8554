import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { ContainerRun, Engine, ImageBuildRequest, LeftoverRun, RegistryAuth, RemovedContainer, RunRequest, ShellExec } from '../core/engine.js';
import { buildFailed } from '../core/errors.js';
import type { BuildLog } from '../core/log.js';
import { canceled } from './errors.js';
import { splitTag } from './ref.js';

/**
 * A scriptable Engine for fast tests of the pipeline: no Docker, but the same observable contract
 * (errors of the right kind, abort -> `canceled`, output into the log). It records every call, keeps a
 * set of local images (builds and pulls add to it, runs and pushes need it) and fails on request.
 */

/** What `fail` can target: the port's methods, and `exec`, a command run by `withShell`'s exec. */
export type EngineMethod = keyof Engine | 'exec';

export type FakeCall =
  | { method: 'ping' }
  | { method: 'imageExists'; ref: string }
  | { method: 'localDigests'; ref: string }
  | { method: 'registryDigest'; ref: string; auth: RegistryAuth | undefined }
  | { method: 'pull'; ref: string; auth: RegistryAuth | undefined }
  | {
      method: 'build';
      tags: string[];
      dockerfile: string;
      nocache: boolean | undefined;
      buildargs: Record<string, string> | undefined;
      target: string | undefined;
    }
  | { method: 'tag'; image: string; ref: string }
  | { method: 'run'; image: string; command: string }
  | { method: 'withShell'; image: string }
  | { method: 'exec'; image: string; command: string }
  | { method: 'copyOut'; image: string; path: string; dest: string }
  | { method: 'runAndCopyOut'; image: string; command: string; path: string; dest: string }
  | { method: 'push'; ref: string; auth: RegistryAuth | undefined }
  | { method: 'removeImage'; ref: string }
  | { method: 'pruneDangling' }
  | { method: 'removeLeftovers'; runs: LeftoverRun[] };

export interface RunScript {
  /** Which commands this applies to: a substring or pattern of the command; omitted = all. */
  match?: string | RegExp;
  exitCode?: number;
  /** Written to the log, line by line. */
  output?: string | string[];
  /** Time the command takes; `forever` runs until aborted. */
  delayMs?: number | 'forever';
  /** How many runs this script answers before it is used up; omitted = unlimited. */
  times?: number;
}

export interface FakeEngineOptions {
  /** Images present from the start (e.g. base images a test assumes local). */
  images?: string[];
  /** Lines every build writes to its log. */
  buildOutput?: string[];
  /** Time every build, pull and push takes, so tests can abort them midway. */
  delayMs?: number;
  /** Files `copyOut` finds: image path -> { relative file name: content }, shared by all images. */
  files?: Record<string, Record<string, string>>;
  /** Symlinks `copyOut` finds beside `files`: image path -> { relative link name: target, as written }. */
  links?: Record<string, Record<string, string>>;
  /** Digest `push` reports per reference; otherwise one derived from the reference. */
  digests?: Record<string, string>;
  /**
   * The digest the registry holds per reference (`registryDigest`), default one derived from the
   * reference; a local image is known by it once pulled. Another digest than a local image's makes the
   * base image check pull.
   */
  registryDigests?: Record<string, string>;
  /** Whether `withShell` declines every image (as for an image with an ENTRYPOINT). */
  noShell?: boolean;
  /** Bytes `pruneDangling` reports. */
  reclaimed?: number;
}

interface Failure {
  error: Error;
  remaining: number;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Resolves after `ms` (never for `forever`), rejecting with `canceled` when the signal aborts. */
function delay(ms: number | 'forever', signal: AbortSignal | undefined, what: string): Promise<void> {
  if (signal?.aborted) return Promise.reject(canceled(what));
  return new Promise<void>((done, fail) => {
    const timer = ms === 'forever' ? undefined : setTimeout(finish, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      fail(canceled(what));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    function finish(): void {
      signal?.removeEventListener('abort', onAbort);
      done();
    }
  });
}

function writeLines(log: BuildLog, output: string | string[] | undefined): void {
  const lines = typeof output === 'string' ? output.split('\n') : (output ?? []);
  for (const line of lines) log.write(line);
}

export class FakeEngine implements Engine {
  readonly calls: FakeCall[] = [];
  readonly images: Set<string>;
  private readonly failures = new Map<EngineMethod, Failure>();
  private readonly runScripts: RunScript[] = [];
  private builds = 0;

  constructor(private readonly opts: FakeEngineOptions = {}) {
    this.images = new Set(opts.images ?? []);
  }

  /** The next `times` calls of `method` reject with `error` (default: a `build-failed` error). */
  fail(method: EngineMethod, error: Error = buildFailed(`fake ${method} failure`), times = Infinity): this {
    this.failures.set(method, { error, remaining: times });
    return this;
  }

  clearFailures(): this {
    this.failures.clear();
    return this;
  }

  /** Scripts commands' results; the first script matching a command answers it. */
  onRun(script: RunScript): this {
    this.runScripts.push({ ...script });
    return this;
  }

  callsOf<M extends FakeCall['method']>(method: M): Array<Extract<FakeCall, { method: M }>> {
    return this.calls.filter((c): c is Extract<FakeCall, { method: M }> => c.method === method);
  }

  private record(call: FakeCall): void {
    this.calls.push(call);
    const failure = this.failures.get(call.method);
    if (!failure || failure.remaining <= 0) return;
    failure.remaining--;
    throw failure.error;
  }

  private script(command: string): RunScript {
    const found = this.runScripts.find((s) => {
      if ((s.times ?? Infinity) <= 0) return false;
      if (s.match === undefined) return true;
      return typeof s.match === 'string' ? command.includes(s.match) : s.match.test(command);
    });
    if (found?.times !== undefined) found.times--;
    return found ?? {};
  }

  private requireImage(ref: string, what: string): void {
    if (!this.images.has(ref)) throw buildFailed(`${what} failed: No such image: ${ref}`);
  }

  async ping(): Promise<void> {
    this.record({ method: 'ping' });
  }

  async imageExists(ref: string): Promise<boolean> {
    this.record({ method: 'imageExists', ref });
    return this.images.has(ref);
  }

  /** Local image -> the registry digests it is known by (set by pulls). */
  readonly repoDigests = new Map<string, string[]>();

  async localDigests(ref: string): Promise<string[] | undefined> {
    this.record({ method: 'localDigests', ref });
    return this.images.has(ref) ? (this.repoDigests.get(ref) ?? []) : undefined;
  }

  private remoteDigest(ref: string): string {
    return this.opts.registryDigests?.[ref] ?? `sha256:${hash(`registry#${ref}`)}`;
  }

  async registryDigest(ref: string, auth: RegistryAuth | undefined, signal?: AbortSignal): Promise<string> {
    this.record({ method: 'registryDigest', ref, auth });
    await delay(this.opts.delayMs ?? 0, signal, `Digest of ${ref}`);
    return this.remoteDigest(ref);
  }

  async pull(ref: string, auth: RegistryAuth | undefined, log: BuildLog, signal?: AbortSignal): Promise<void> {
    this.record({ method: 'pull', ref, auth });
    await delay(this.opts.delayMs ?? 0, signal, `Pull of ${ref}`);
    log.write(`Status: Downloaded newer image for ${ref}`);
    this.images.add(ref);
    this.repoDigests.set(ref, [`${splitTag(ref).repo}@${this.remoteDigest(ref)}`]);
  }

  async build(req: ImageBuildRequest): Promise<{ imageId: string }> {
    // Drained so whatever produces the context (a tar of a checkout) runs to its end and closes;
    // its errors are not this fake's business.
    req.context.on('error', () => undefined);
    req.context.resume();
    this.record({
      method: 'build',
      tags: [...req.tags],
      dockerfile: req.dockerfile,
      nocache: req.nocache,
      buildargs: req.buildargs,
      target: req.target,
    });
    await delay(this.opts.delayMs ?? 0, req.signal, req.tags[0] === undefined ? 'Untagged build' : `Build of ${req.tags[0]}`);
    const imageId = `sha256:${hash(`${req.tags.join(',')}#${++this.builds}`)}`;
    writeLines(req.log, this.opts.buildOutput ?? [`Successfully built ${imageId.slice(7, 19)}`]);
    this.images.add(imageId);
    for (const tag of req.tags) this.images.add(tag);
    return { imageId };
  }

  async tag(image: string, ref: string): Promise<void> {
    this.record({ method: 'tag', image, ref });
    this.requireImage(image, `Tagging ${image} as ${ref}`);
    this.images.add(ref);
  }

  async run(req: RunRequest): Promise<{ exitCode: number }> {
    this.record({ method: 'run', image: req.image, command: req.command });
    this.requireImage(req.image, `Command in ${req.image}`);
    const script = this.script(req.command);
    writeLines(req.log, script.output);
    await delay(script.delayMs ?? 0, req.signal, `Command in ${req.image}`);
    return { exitCode: script.exitCode ?? 0 };
  }

  async withShell<T>(image: string, signal: AbortSignal | undefined, use: (exec: ShellExec) => Promise<T>): Promise<{ value: T } | undefined> {
    this.record({ method: 'withShell', image });
    const what = `Shared container of ${image}`;
    if (signal?.aborted) throw canceled(what);
    this.requireImage(image, what);
    if (this.opts.noShell) return undefined;
    const exec: ShellExec = async (command, log) => {
      this.record({ method: 'exec', image, command });
      const script = this.script(command);
      writeLines(log, script.output);
      await delay(script.delayMs ?? 0, signal, what);
      return { exitCode: script.exitCode ?? 0 };
    };
    return { value: await use(exec) };
  }

  async copyOut(image: string, path: string, dest: string, signal?: AbortSignal): Promise<void> {
    this.record({ method: 'copyOut', image, path, dest });
    const what = `Copy of ${path} out of ${image}`;
    if (signal?.aborted) throw canceled(what);
    this.requireImage(image, what);
    await this.writeFiles(path, dest, what);
  }

  async runAndCopyOut(req: RunRequest, path: string, dest: string): Promise<{ exitCode: number }> {
    this.record({ method: 'runAndCopyOut', image: req.image, command: req.command, path, dest });
    this.requireImage(req.image, `Command in ${req.image}`);
    const script = this.script(req.command);
    writeLines(req.log, script.output);
    await delay(script.delayMs ?? 0, req.signal, `Command in ${req.image}`);
    const exitCode = script.exitCode ?? 0;
    if (exitCode === 0) await this.writeFiles(path, dest, `Copy of ${path} out of ${req.image}`);
    return { exitCode };
  }

  private async writeFiles(path: string, dest: string, what: string): Promise<void> {
    const files = this.opts.files?.[path];
    const links = this.opts.links?.[path];
    if (!files && !links) throw buildFailed(`${what} failed: ${path} does not exist in the image`);
    const root = resolve(dest);
    await mkdir(root, { recursive: true });
    const place = async (name: string): Promise<string> => {
      const target = resolve(join(root, name));
      if (!target.startsWith(root + sep)) throw new Error(`fake file ${name} escapes ${dest}`);
      await mkdir(dirname(target), { recursive: true });
      return target;
    };
    for (const [name, content] of Object.entries(files ?? {})) await writeFile(await place(name), content);
    // Written as given, unlike the real engine's extraction: tests use them to play a hostile archive.
    for (const [name, target] of Object.entries(links ?? {})) await symlink(target, await place(name));
  }

  async push(ref: string, auth: RegistryAuth | undefined, log: BuildLog, signal?: AbortSignal): Promise<{ digest?: string }> {
    this.record({ method: 'push', ref, auth });
    this.requireImage(ref, `Push of ${ref}`);
    await delay(this.opts.delayMs ?? 0, signal, `Push of ${ref}`);
    const digest = this.opts.digests?.[ref] ?? `sha256:${hash(ref)}`;
    log.write(`${splitTag(ref).tag}: digest: ${digest} size: 527`);
    return { digest };
  }

  async removeImage(ref: string): Promise<void> {
    this.record({ method: 'removeImage', ref });
    this.images.delete(ref);
  }

  async pruneDangling(): Promise<number> {
    this.record({ method: 'pruneDangling' });
    return this.opts.reclaimed ?? 0;
  }

  /** The fake keeps no containers past a call, so a run's view is this engine itself. */
  forRun(_run: ContainerRun): Engine {
    return this;
  }

  async containerRuns(): Promise<ContainerRun[]> {
    return [];
  }

  async removeLeftovers(runs: readonly LeftoverRun[]): Promise<RemovedContainer[]> {
    this.record({ method: 'removeLeftovers', runs: [...runs] });
    return [];
  }
}

export function createFakeEngine(opts?: FakeEngineOptions): FakeEngine {
  return new FakeEngine(opts);
}
