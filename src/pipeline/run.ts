import { RogerError, toError } from '../core/errors.js';
import { prefixed } from '../core/log.js';
import type { Commit } from '../core/git.js';
import { pathSkips } from './changes.js';
import type { BuildFile } from '../core/project.js';
import { checkout, checkoutDir } from './checkout.js';
import { skipReason } from './match.js';
import { explainFailure } from './failure.js';
import { planProject } from './plan.js';
import { runProject } from './project.js';
import { settleLimited } from './settle-limited.js';
import type { CheckedOut, PipelineDeps, PipelineRequest, PlannedProject, ProjectResult } from './types.js';
import { createWorkspace, removeWorkspace } from './workspace.js';

export interface PipelineListener {
  /** Called once the checkout resolved the commit, before build.yml is read. */
  onCommit?(commit: Commit): void;
  /**
   * Called once build.yml is read, before anything is built; a reason given back stops the build
   * here, untouched, so another agent can take it (this one lacks the labels it asks for).
   */
  onBuildFile?(buildFile: BuildFile): Promise<string | undefined>;
  /** Called once build.yml is read, before any project starts (the server records siblings here). */
  onPlan?(projects: PlannedProject[], checkout: CheckedOut): Promise<void>;
  onProjectEnd?(result: ProjectResult): Promise<void>;
}

export interface PipelineResult {
  commit?: Commit;
  /** The branch or tag built, once the checkout resolved it (the default branch for a request without one). */
  ref?: string;
  results: ProjectResult[];
  /** Set when the build could not get as far as its projects (checkout, build.yml, paths). */
  failure?: { outcome: 'failed' | 'canceled'; message: string; badInput: boolean };
  /** Set when a webhook build's ref does not match build.yml's settings.matching: nothing was built. */
  skipped?: string;
  /** Set when `onBuildFile` gave the build back: nothing was built, the build is not finished. */
  handedBack?: string;
}

/**
 * A whole build: checkout, then its projects in parallel, at most `builds.concurrent` at once (a
 * build.yml of many projects must not start them all together). Always removes its workspace,
 * whatever happened; never throws for a failed build.
 */
export async function runPipeline(
  deps: PipelineDeps,
  req: PipelineRequest,
  listener: PipelineListener = {},
): Promise<PipelineResult> {
  const timeoutMs = deps.config.builds.timeout * 1000;
  const timeout = timeoutSignal(timeoutMs);
  const signal = AbortSignal.any([req.signal, timeout.signal]);
  const started = Date.now();
  let stage = 'checkout';
  let ref: string | undefined;
  let created = false;
  let diffing: Promise<Map<string, string>> | undefined;
  try {
    await createWorkspace(req.workDir);
    created = true;
    // The ref is known before build.yml is read: a build failing on build.yml still tells which branch it was.
    const co = await checkout(deps, { ...req, signal }, (commit, checkedOut) => {
      ref = checkedOut;
      listener.onCommit?.(commit);
    });
    const handBack = await listener.onBuildFile?.(co.buildFile);
    if (handBack) {
      req.log.write(`Handed back to the queue: ${handBack}`);
      return { commit: co.commit, ref, results: [], handedBack: handBack };
    }
    const skip = req.options.webhook && skipReason(co.buildFile.matching, co.ref, req.options.webhook.refType);
    if (skip) {
      req.log.write(`Skipped: ${skip}`);
      return { commit: co.commit, ref, results: [], skipped: skip };
    }
    // The changed paths are read (git diffs) while the projects are planned and recorded: neither
    // needs the other, and a monorepo push would otherwise wait for one after the other.
    diffing = pathSkips(deps, co, { ...req, signal });
    // Its failure is thrown where it is awaited below; a plan failing first must not leave it unhandled.
    diffing.catch(() => undefined);
    stage = 'plan';
    const planned = await Promise.all(co.buildFile.projects.map((p) => planProject(p, co, deps.config)));
    await listener.onPlan?.(planned, co);
    stage = 'changes';
    const skips = await diffing;
    stage = 'plan';
    const many = planned.length > 1;
    // Settled, not Promise.all: a listener failing for one project must not leave the others running
    // after the workspace they build from is removed.
    const settled = await settleLimited(planned, deps.config.builds.concurrent, async (p) => {
      const log = many ? prefixed(req.log, `[${p.project.name}]`) : req.log;
      const skip = skips.get(p.project.name);
      if (skip !== undefined) log.write(`Skipped: ${skip}`);
      const result: ProjectResult = skip !== undefined
        ? { project: p.project.name, image: p.image, outcome: 'skipped', error: skip, durationMs: 0 }
        : await runProject(p, { deps, checkout: co, options: req.options, workDir: req.workDir, repo: req.repo, log, signal });
      await listener.onProjectEnd?.(result);
      return result;
    });
    const rejected = settled.find((s) => s.status === 'rejected');
    if (rejected) throw rejected.reason;
    const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    for (const r of results) req.log.write(resultLine(r));
    const ok = results.every((r) => r.outcome === 'passed' || r.outcome === 'skipped');
    req.log.write(`Build ${ok ? 'passed' : 'failed'} in ${seconds(Date.now() - started)}`);
    return { commit: co.commit, ref, results };
  } catch (err) {
    const failure = await explainFailure(err, stage, signal, deps.engine);
    const badInput = err instanceof RogerError && err.kind === 'bad-input';
    req.log.write(`FAILED: ${failure.message}`);
    req.log.write(`Build ${failure.outcome} in ${seconds(Date.now() - started)}`);
    return { ...(ref !== undefined && { ref }), results: [], failure: { ...failure, badInput } };
  } finally {
    // A failed plan leaves no git process reading the workspace about to be kept or removed.
    await diffing?.catch(() => undefined);
    timeout.clear();
    // The git cache may keep the checkout for the next build of the repository. Not a stopped build's:
    // a process it started could still be writing there.
    if (created && !signal.aborted) await deps.git.release({ url: req.repo, dir: checkoutDir(req.workDir) });
    // Only a workspace this build created is removed: never a path that was there before.
    await removeWorkspace(req.workDir).catch((err: unknown) => {
      req.log.write(`Warning: could not remove the workspace: ${toError(err).message}`);
    });
  }
}

/** One line per project: the outcome, image, digest and duration. */
export function resultLine(r: ProjectResult): string {
  const mark = r.outcome === 'passed' ? 'PASSED' : r.outcome.toUpperCase();
  if (r.outcome === 'skipped') return `SKIPPED ${r.project} ${r.image} (${r.error ?? 'nothing to build'})`;
  const digest = r.digest ? ` ${r.digest}` : '';
  const error = r.error ? ` (${r.error})` : '';
  return `${mark} ${r.project} ${r.image}${digest} in ${seconds(r.durationMs)}${error}`;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

function timeoutSignal(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    const err = new Error(`build timed out after ${ms / 1000}s`);
    err.name = 'TimeoutError';
    controller.abort(err);
  }, ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
