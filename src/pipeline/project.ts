import type { BuildOptions } from '../core/build.js';
import type { BuildLog } from '../core/log.js';
import { builtinPublishers } from '../publish/kinds.js';
import { isNotifierName, NOTIFIER_NAMES } from '../core/notifier.js';
import { explainFailure } from './failure.js';
import { runAfterBuild } from './hooks.js';
import { buildProjectImage } from './image.js';
import { ociLabels } from './labels.js';
import { publishArtifacts } from './publish.js';
import { writeRevfile } from './revfile.js';
import type { CheckedOut, PipelineDeps, PlannedProject, ProjectResult } from './types.js';

export interface ProjectRun {
  deps: PipelineDeps;
  checkout: CheckedOut;
  options: BuildOptions;
  workDir: string;
  /** The repository as requested; its URL (credentials removed) is the image's `source` label. */
  repo: string;
  log: BuildLog;
  signal: AbortSignal;
}

/** One project, stage by stage: revfile -> image -> after-build -> publish -> push. Never throws. */
export async function runProject(p: PlannedProject, run: ProjectRun): Promise<ProjectResult> {
  const started = Date.now();
  const { engine } = run.deps;
  const { log, signal } = run;
  let stage = 'revfile';
  warnUnsupported(p, log);
  try {
    await writeRevfile(p, run.checkout, log);
    stage = 'build';
    log.write(`Building ${p.image}`);
    const labels = run.deps.config.builds.ociLabels ? ociLabels(run.checkout, run.repo, p.tag) : undefined;
    const { imageId, baseImages } = await buildProjectImage(p, { ...run, labels });
    stage = 'after-build';
    await runAfterBuild(engine, imageId, p.project.afterBuild, { container: run.deps.config.builds.afterBuildContainer, log, signal });
    stage = 'publish';
    await publishArtifacts(p.project.publish, {
      engine,
      kinds: run.deps.publishers ?? builtinPublishers,
      settings: run.deps.config.publishers,
      image: imageId,
      workDir: run.workDir,
      log,
      signal,
    });
    stage = 'push';
    let digest: string | undefined;
    for (const image of p.images) {
      log.write(`Pushing ${image}`);
      const pushed = await run.deps.pushLock.run(image, async () => {
        await engine.tag(imageId, image);
        return engine.push(image, p.auth, log, signal);
      });
      digest ??= pushed.digest;
      log.write(`Pushed ${image}${pushed.digest ? ` (${pushed.digest})` : ''}`);
    }
    return { project: p.project.name, image: p.image, outcome: 'passed', digest, durationMs: Date.now() - started, baseImages };
  } catch (err) {
    const failure = await explainFailure(err, stage, signal, engine);
    log.write(`FAILED: ${failure.message}`);
    return { project: p.project.name, image: p.image, outcome: failure.outcome, error: failure.message, durationMs: Date.now() - started };
  }
}

/** A `notify:` name Roger does not know is read but not acted on: say so, never fail. */
function warnUnsupported(p: PlannedProject, log: BuildLog): void {
  for (const n of p.project.notify.filter((x) => !isNotifierName(x))) log.write(`Warning: unknown notify "${n}" (known: ${NOTIFIER_NAMES.join(', ')}); ignored`);
}
