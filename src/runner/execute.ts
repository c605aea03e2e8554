import { join } from 'node:path';
import { projectId, type BuildRecord, type BuildStatus } from '../core/build.js';
import { toError } from '../core/errors.js';
import type { Project } from '../core/project.js';
import type { Store } from '../core/store.js';
import type { LogHub } from '../logs/hub.js';
import { runPipeline } from '../pipeline/run.js';
import type { CheckedOut, PipelineDeps, PlannedProject, ProjectResult } from '../pipeline/types.js';

export interface ExecuteDeps extends PipelineDeps {
  store: Store;
  logs: LogHub;
  /** Called after each build record reaches a final status (notifiers hook in here); `project` once known. */
  onFinished?(build: BuildRecord, project?: Project): Promise<void>;
  /** Called when a webhook build was skipped by settings.matching (its delivery records why). */
  onSkipped?(build: BuildRecord, reason: string): Promise<void>;
  /** Called when a build record starts for real (after checkout), e.g. for a pending commit status. */
  onStarted?(build: BuildRecord, project: Project): Promise<void>;
}

/**
 * Runs a claimed (`started`) build through the pipeline and records what happens: the group's
 * projects as sibling builds, each project's outcome, and a final status for every record of the group
 * even when the pipeline fails before the projects start.
 */
export async function executeBuild(build: BuildRecord, deps: ExecuteDeps, signal: AbortSignal): Promise<void> {
  const { store, logs } = deps;
  const log = logs.writer(build.groupId);
  const idsByProject = new Map<string, string>();
  const projectsById = new Map<string, Project>();
  const finished = new Set<string>();
  // The last project's status waits for the pipeline's closing lines: a follower stops reading once
  // every build of the group is finished, so the log must be complete (and flushed) by then.
  let last: ProjectResult | undefined;

  const finish = async (id: string, status: BuildStatus, patch: { digest?: string; error?: string; durationMs?: number }) => {
    finished.add(id);
    await log.flush();
    const record = await store.updateBuild(id, {
      status,
      digest: patch.digest ?? null,
      error: patch.error ?? null,
      finishedAt: new Date().toISOString(),
      durationMs: patch.durationMs ?? null,
    });
    await deps.onFinished?.(record, projectsById.get(id)).catch(() => undefined);
  };
  const finishResult = async (r: ProjectResult) => {
    const id = idsByProject.get(r.project);
    if (id) await finish(id, r.outcome, { digest: r.digest, error: r.error, durationMs: r.durationMs });
  };
  const unfinished = (): string[] => [...new Set([build.id, ...idsByProject.values()])].filter((id) => !finished.has(id));

  const onPlan = async (planned: PlannedProject[], co: CheckedOut) => {
    const [first, ...others] = planned;
    if (!first) return;
    const siblings = await store.addSiblings(build.groupId, others.map((p) => projectId(build.repo, p.project.name)));
    if (siblings.length !== others.length) throw new Error(`expected ${others.length} sibling builds, the store added ${siblings.length}`);
    const records: [PlannedProject, string][] = [[first, build.id], ...others.map((p, i): [PlannedProject, string] => [p, siblings[i]?.id ?? build.id])];
    for (const [p, id] of records) {
      idsByProject.set(p.project.name, id);
      projectsById.set(id, p.project);
      const rec = await store.updateBuild(id, {
        project: projectId(build.repo, p.project.name),
        branch: co.ref,
        tag: p.image,
        commit: co.commit.sha,
        author: co.commit.author,
      });
      await deps.onStarted?.(rec, p.project).catch(() => undefined);
    }
  };
  const onProjectEnd = async (r: ProjectResult) => {
    if (finished.size + 1 >= idsByProject.size) last = r;
    else await finishResult(r);
  };

  try {
    const result = await runPipeline(
      deps,
      {
        repo: build.repo,
        ref: build.branch || undefined,
        options: build.options,
        workDir: join(deps.config.paths.builds, 'workspaces', build.id),
        log,
        signal,
      },
      { onPlan, onProjectEnd },
    );
    if (last) await finishResult(last);
    if (result.skipped) {
      await finish(build.id, 'canceled', { error: `skipped: ${result.skipped}` });
      await deps.onSkipped?.(build, result.skipped);
    }
    const failure = result.failure;
    if (failure) for (const id of unfinished()) await finish(id, failure.outcome, { error: failure.message });
  } catch (err) {
    // Recording failed (database gone?): still try to leave no build of this group `started`.
    const message = `system error: ${toError(err).message}`;
    for (const id of unfinished()) await finish(id, 'failed', { error: message }).catch(() => undefined);
    throw err;
  } finally {
    await log.flush();
    logs.touch(build.groupId);
  }
}
