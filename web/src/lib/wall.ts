import type { ApiBuildSummary, ApiWallTile, Build, BuildStatus } from './types.js';

/** The statuses a tile shows; canceled and skipped builds say nothing of a project's health. */
const TELLING: ReadonlySet<BuildStatus> = new Set(['queued', 'started', 'passed', 'failed']);
const STAGE: Record<BuildStatus, number> = { queued: 0, started: 1, passed: 2, failed: 2, canceled: 2, skipped: 2 };

/** The later of two states of a tile's build: the same build further on, or a newer build. */
export function later(a: ApiBuildSummary, b: ApiBuildSummary): ApiBuildSummary {
  if (a.id === b.id) return STAGE[b.status] > STAGE[a.status] ? b : a;
  return b.created_at > a.created_at ? b : a;
}

/**
 * Builds the event stream reported, kept by project until the wall's next answer shows them: a tile
 * changes the moment its build does, without waiting for the reload that follows.
 */
export class WallOverrides {
  private readonly byProject = new Map<string, ApiBuildSummary>();

  /** Records a change; false when it cannot be shown without asking the server (a canceled build). */
  apply(build: Build): boolean {
    const seen = this.byProject.get(build.project);
    if (!TELLING.has(build.status)) {
      // The tile falls back to an earlier build, which only the server knows.
      if (seen?.id === build.id) this.byProject.delete(build.project);
      return false;
    }
    // A build from the stream is a summary with more fields (renderBuild and renderSummary, src/http/render.ts).
    this.byProject.set(build.project, seen ? later(seen, build) : build);
    return true;
  }

  clear(): void {
    this.byProject.clear();
  }

  /** The server's tiles with what the stream told since. Only builds of a tile's branch count. */
  merge(tiles: readonly ApiWallTile[]): ApiWallTile[] {
    return tiles.map((t) => {
      const o = this.byProject.get(t.project);
      if (!o || o.branch !== t.branch) return t;
      const build = later(t.build, o);
      return build === t.build ? t : { ...t, build };
    });
  }
}
