import { resolveInside } from '../buildfile/paths.js';
import { buildFailed, isRogerError } from '../core/errors.js';
import type { BuildOptions } from '../core/build.js';
import type { BuildLog } from '../core/log.js';
import { createContextStream } from '../engine/context.js';
import { baseImages } from '../engine/dockerfile.js';
import { labelsNotIn } from './labels.js';
import { extractDir } from './plan.js';
import { BaseImageChecks, checkBaseImages } from './pull.js';
import { readCapped } from './read-capped.js';

/** Docker itself has no limit, but no real Dockerfile comes near this, and it is parsed on the event loop. */
const MAX_DOCKERFILE_BYTES = 1024 * 1024;
import type { PipelineDeps, PlannedProject } from './types.js';

interface ImageStep {
  deps: PipelineDeps;
  options: BuildOptions;
  log: BuildLog;
  signal: AbortSignal;
  workDir: string;
  /** Added to the final image (never the builder), except keys its Dockerfile LABELs itself. */
  labels?: Record<string, string>;
}

export interface BuiltImage {
  imageId: string;
  /** Every image the FROM lines named (the builder's too), as written after ARG substitution. */
  baseImages: string[];
}

/**
 * Stage 5: the image. With `build:` set (Roger's builder pattern) the builder image is built first,
 * `extract` is copied out of it, and those files are the final image's context.
 */
export async function buildProjectImage(p: PlannedProject, step: ImageStep): Promise<BuiltImage> {
  const builder = p.project.build;
  // Images are built untagged and used by id: another build of the same branch may be running, and a
  // shared tag could hand this build's hooks (or push) that build's image.
  if (!builder) return buildOne(p.contextDir, p.project.dockerfile, step, CHECKOUT_EXCLUDES, step.labels);

  step.log.write(`Building the builder image from ${builder.dockerfile}`);
  const { imageId: builderImage, baseImages: builderBases } = await buildOne(p.contextDir, builder.dockerfile, step, CHECKOUT_EXCLUDES, undefined);
  try {
    const dest = extractDir(step.workDir, p.project);
    step.log.write(`Extracting ${builder.extract} from the builder image`);
    await step.deps.engine.copyOut(builderImage, builder.extract, dest, step.signal);
    step.log.write('Building the final image from the extracted files');
    const final = await buildOne(dest, p.project.dockerfile, step, [], step.labels);
    return { imageId: final.imageId, baseImages: [...new Set([...builderBases, ...final.baseImages])] };
  } finally {
    await step.deps.engine.removeImage(builderImage).catch(() => undefined);
  }
}

/**
 * A fresh checkout's `.git` differs on every fetch, so sending it would defeat the layer cache of every
 * `COPY .`; Docker leaves it out of git contexts too. A `.dockerignore` line `!.git` brings it back.
 */
const CHECKOUT_EXCLUDES = ['.git'];

async function buildOne(
  contextDir: string,
  dockerfile: string,
  step: ImageStep,
  exclude: string[],
  labels: Record<string, string> | undefined,
): Promise<BuiltImage> {
  const { engine, config } = step.deps;
  const dockerfilePath = await resolveInside(contextDir, dockerfile, { label: 'dockerfile' });
  const text = await readCapped(dockerfilePath, MAX_DOCKERFILE_BYTES, dockerfile).catch((err: unknown) => {
    throw isRogerError(err) ? err : buildFailed(`${dockerfile} not found in the build context`, err);
  });
  if (Buffer.byteLength(text) > MAX_DOCKERFILE_BYTES) throw buildFailed(`${dockerfile} is larger than 1 MB`);
  // The registry check and the context's file walk wait on different things; they run side by side.
  const checks = step.deps.baseImages ?? new BaseImageChecks(engine, { intervalSeconds: 0 });
  const [checked, made] = await Promise.allSettled([
    step.options.pull === false
      ? Promise.resolve()
      : checkBaseImages(checks, text, {
          config,
          buildargs: step.options.buildargs,
          force: step.options.pull === true,
          log: step.log,
          signal: step.signal,
        }),
    createContextStream(contextDir, { dockerfile, exclude }),
  ]);
  if (made.status === 'rejected') throw made.reason;
  const context = made.value;
  if (checked.status === 'rejected') {
    context.destroy();
    throw checked.reason;
  }
  const { imageId } = await engine.build({
    context,
    dockerfile,
    tags: [],
    nocache: step.options.nocache,
    buildargs: step.options.buildargs,
    target: step.options.target,
    labels: labels && labelsNotIn(text, labels),
    log: step.log,
    signal: step.signal,
  });
  return { imageId, baseImages: baseImages(text, step.options.buildargs) };
}
