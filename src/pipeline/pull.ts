import { toError } from '../core/errors.js';
import { baseImages, registryOf } from '../engine/dockerfile.js';
import { abortable } from '../engine/abort.js';
import type { Config } from '../core/config.js';
import type { Engine, RegistryAuth } from '../core/engine.js';
import type { BuildLog } from '../core/log.js';
import { registryAuth } from './plan.js';

/**
 * Stage 4: the Dockerfile's FROM images. Pulling every one on every build costs a registry round trip
 * per image and build (and, on Docker Hub, counts against its rate limit), so a base image is checked
 * at most once per `builds.pullInterval` per process: the registry's manifest digest against the local
 * image's, with a pull only when they differ or the image is missing. Builds that need the same image
 * at the same time share one check.
 */
export class BaseImageChecks {
  /** When each image was last checked (ms, by `now`). */
  private readonly checkedAt = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly now: () => number;

  constructor(
    private readonly engine: Engine,
    private readonly opts: { intervalSeconds: number; now?: () => number; checkTimeoutMs?: number },
  ) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Makes `image` current enough to build from; resolves with what was done, for the log. `force`
   * checks even within the interval. `log` gets the pull's progress when this call starts the check.
   */
  async ensure(image: string, auth: RegistryAuth | undefined, opts: { force: boolean; log: BuildLog; signal: AbortSignal }): Promise<string> {
    const last = this.checkedAt.get(image);
    const age = last === undefined ? undefined : this.now() - last;
    if (!opts.force && age !== undefined && age < this.opts.intervalSeconds * 1000) {
      return `checked ${Math.round(age / 1000)}s ago (builds.pullInterval ${this.opts.intervalSeconds}s); using the local image`;
    }
    let check = this.inFlight.get(image);
    if (!check) {
      // Shared by every build waiting on it, so no one build's cancel may stop it; a timeout bounds it.
      const signal = AbortSignal.timeout(this.opts.checkTimeoutMs ?? 600_000);
      check = this.check(image, auth, opts.log, signal).finally(() => this.inFlight.delete(image));
      this.inFlight.set(image, check);
    }
    return abortable(check, opts.signal, `Check of ${image}`);
  }

  private async check(image: string, auth: RegistryAuth | undefined, log: BuildLog, signal: AbortSignal): Promise<string> {
    const started = this.now();
    const local = await this.engine.localDigests(image);
    if (local === undefined) {
      await this.engine.pull(image, auth, log, signal);
      this.checkedAt.set(image, started);
      return 'not present; pulled';
    }
    let remote: string;
    try {
      remote = await this.engine.registryDigest(image, auth, signal);
    } catch (err) {
      // A registry that is down (or rate-limits) is asked again only after the interval.
      this.checkedAt.set(image, started);
      return `could not ask the registry (${toError(err).message}); using the local image`;
    }
    if (local.some((d) => d.endsWith(`@${remote}`))) {
      this.checkedAt.set(image, started);
      return `up to date (${remote})`;
    }
    try {
      await this.engine.pull(image, auth, log, signal);
    } catch (err) {
      this.checkedAt.set(image, started);
      return `could not pull the registry's ${remote} (${toError(err).message}); using the local image`;
    }
    this.checkedAt.set(image, started);
    return `the registry has ${remote}; pulled`;
  }
}

/** Resolves each FROM image of `dockerfileText` through `checks`, one log line per image. */
export async function checkBaseImages(
  checks: BaseImageChecks,
  dockerfileText: string,
  opts: { config: Config; buildargs?: Record<string, string>; force: boolean; log: BuildLog; signal: AbortSignal },
): Promise<void> {
  const images = baseImages(dockerfileText, opts.buildargs);
  await Promise.all(
    images.map(async (image) => {
      const auth = registryAuth(registryOf(image), opts.config);
      const outcome = await checks.ensure(image, auth, opts);
      opts.log.write(`Base image ${image}: ${outcome}`);
    }),
  );
}
