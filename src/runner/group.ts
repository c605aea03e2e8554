import { projectId, type BuildRecord, type BuildStatus } from '../core/build.js';
import type { BuildEvents } from '../core/events.js';
import type { Commit } from '../core/git.js';
import type { Project } from '../core/project.js';
import type { Store } from '../core/store.js';
import { normalizeRef } from '../engine/ref.js';
import type { GroupLog } from '../logs/hub.js';
import type { PipelineListener, PipelineResult } from '../pipeline/run.js';
import type { CheckedOut, PlannedProject, ProjectResult } from '../pipeline/types.js';

interface Outcome {
  /** The branch the checkout resolved, for a record that ends before the plan named it. */
  branch?: string | undefined;
  digest?: string;
  error?: string;
  durationMs?: number;
}

/**
 * The builds of one request: the claimed build takes build.yml's first project and a sibling record
 * is added for each other one. Gives every record of the group a final status exactly once, and
 * reports each record's start and end to the build events.
 */
export class BuildGroup {
  private readonly idsByProject = new Map<string, string>();
  private readonly projectsById = new Map<string, Project>();
  private readonly finished = new Set<string>();
  /** The commit the checkout resolved; statuses go to it, never to a sha the request only claimed. */
  private checkedOut: string | undefined;
  // The last project's status waits for the pipeline's closing lines: a follower stops reading once
  // every build of the group is finished, so the log must be complete (and flushed) by then.
  private last: ProjectResult | undefined;
  /** Set by the plan when the build is of the repository's default branch: its FROM images are recorded. */
  private defaultBranch: string | undefined;

  constructor(
    private readonly build: BuildRecord,
    private readonly deps: { store: Store; events: BuildEvents; log: GroupLog },
  ) {}

  /** What the pipeline tells the group as it goes. */
  listener(): PipelineListener {
    return {
      onCommit: (commit: Commit) => void (this.checkedOut = commit.sha),
      onPlan: (planned, co) => this.plan(planned, co),
      onProjectEnd: (r) => this.projectEnded(r),
    };
  }

  /** After the pipeline: the last project, a skip, or a failure before the projects ran. */
  async settle(result: PipelineResult): Promise<void> {
    if (this.last) await this.finishResult(this.last);
    if (result.skipped) {
      const record = await this.finish(this.build.id, 'skipped', { error: result.skipped, branch: result.ref }, false);
      await this.deps.events.skipped({ build: record, checkedOut: this.checkedOut, reason: result.skipped });
    }
    const failure = result.failure;
    if (failure) for (const id of this.unfinished()) await this.finish(id, failure.outcome, { error: failure.message, branch: result.ref });
  }

  /** Recording failed (database gone?): still try to leave no build of this group `started`. */
  async failAll(message: string): Promise<void> {
    for (const id of this.unfinished()) await this.finish(id, 'failed', { error: message }).catch(() => undefined);
  }

  private async plan(planned: PlannedProject[], co: CheckedOut): Promise<void> {
    const [first, ...others] = planned;
    if (!first) return;
    if (co.ref === (co.defaultBranch ?? 'master') && co.refs?.refType !== 'tag') this.defaultBranch = co.ref;
    const { store } = this.deps;
    const siblings = await store.addSiblings(this.build.groupId, others.map((p) => projectId(this.build.repo, p.project.name)));
    if (siblings.length !== others.length) throw new Error(`expected ${others.length} sibling builds, the store added ${siblings.length}`);
    const records: [PlannedProject, string][] = [[first, this.build.id], ...others.map((p, i): [PlannedProject, string] => [p, siblings[i]?.id ?? this.build.id])];
    for (const [p, id] of records) {
      this.idsByProject.set(p.project.name, id);
      this.projectsById.set(id, p.project);
      const record = await store.updateBuild(id, {
        project: projectId(this.build.repo, p.project.name),
        branch: co.ref,
        tag: p.image,
        ...(p.images.length > 1 && { tags: p.images }),
        commit: co.commit.sha,
        author: co.commit.author,
        notify: p.project.notify,
      });
      await this.deps.events.started({ build: record, project: p.project, checkedOut: co.commit.sha });
    }
  }

  private async projectEnded(r: ProjectResult): Promise<void> {
    if (this.finished.size + 1 >= this.idsByProject.size) this.last = r;
    else await this.finishResult(r);
  }

  private async finishResult(r: ProjectResult): Promise<void> {
    const id = this.idsByProject.get(r.project);
    if (r.outcome === 'passed' && r.baseImages && this.defaultBranch !== undefined) await this.recordBaseImages(r.project, r.baseImages, this.defaultBranch);
    if (id) await this.finish(id, r.outcome, { digest: r.digest, error: r.error, durationMs: r.durationMs });
  }

  /** What the dependents lookup reads; failing to record is a warning, never a failed build. */
  private async recordBaseImages(name: string, images: string[], branch: string): Promise<void> {
    const normalized = images.flatMap((i) => normalizeRef(i) ?? []);
    const project = projectId(this.build.repo, name);
    await this.deps.store.recordBaseImages({ project, repo: this.build.repo, branch, images: normalized }).catch((err: unknown) => {
      this.deps.log.write(`Warning: could not record the base images of ${name}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  private unfinished(): string[] {
    return [...new Set([this.build.id, ...this.idsByProject.values()])].filter((id) => !this.finished.has(id));
  }

  /** Stores the final status, then tells the events (so notifications never count in the duration). */
  private async finish(id: string, status: BuildStatus, outcome: Outcome, announce = true): Promise<BuildRecord> {
    this.finished.add(id);
    await this.deps.log.flush();
    const record = await this.deps.store.updateBuild(id, {
      ...(outcome.branch !== undefined && { branch: outcome.branch }),
      status,
      digest: outcome.digest ?? null,
      error: outcome.error ?? null,
      finishedAt: new Date().toISOString(),
      durationMs: outcome.durationMs ?? null,
    });
    if (announce) await this.deps.events.finished({ build: record, project: this.projectsById.get(id), checkedOut: this.checkedOut });
    return record;
  }
}
