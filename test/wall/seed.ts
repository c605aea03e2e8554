import type { BuildStatus } from '../../src/core/build.js';
import type { SqlBackend } from '../../src/store/backend.js';
import { seedBuilds, type SeedBuild } from '../helpers/seed-builds.js';

export const PROJECTS = 500;
/** Projects from this number on were never built on their default branch (no `latest` tag). */
export const NO_DEFAULT_FROM = 490;

export const repoOf = (p: number): string => `https://git.example.test/team/repo${String(p).padStart(3, '0')}`;
export const projectOf = (p: number): string => `${repoOf(p)}__app${p}`;
export const defaultBranchOf = (p: number): string => (p % 2 === 0 ? 'main' : 'master');

/**
 * Build i belongs to project i % PROJECTS, in round r = i / PROJECTS. Rounds cycle through the
 * default branch (twice), `feature` and `fix`, so each project's newest builds are on other branches
 * than its default one; the last default-branch round (rounds - 3) failed for every third project and
 * was canceled for every seventh, whose wall tile is then the round before. The last `recent` builds
 * finished within the last day, one every `recentStepMs`, each having waited `waitMs` in the queue.
 */
export function seedRow(i: number, total: number, now: number, recent: number, recentStepMs: number, waitMs: number): SeedBuild {
  const p = i % PROJECTS;
  const round = Math.floor(i / PROJECTS);
  const rounds = Math.ceil(total / PROJECTS);
  const cycle = ['default', 'default', 'feature', 'fix'][(round - rounds + 400) % 4] ?? 'default';
  const noDefault = p >= NO_DEFAULT_FROM;
  const branch = noDefault ? 'only-feature' : cycle === 'default' ? defaultBranchOf(p) : cycle;
  const tagPart = branch === defaultBranchOf(p) ? 'latest' : branch;
  let status: BuildStatus = 'passed';
  if (round === rounds - 3 && !noDefault) status = p % 7 === 0 ? 'canceled' : p % 3 === 0 ? 'failed' : 'passed';
  const fromEnd = total - i;
  const created = fromEnd <= recent ? now - fromEnd * recentStepMs : Date.UTC(2024, 0, 1) + i * 1000;
  const started = created + (fromEnd <= recent ? waitMs : 1000);
  const finished = started + 60_000;
  const iso = (t: number) => new Date(t).toISOString();
  return {
    project: projectOf(p),
    repo: repoOf(p),
    branch,
    status,
    tag: `127.0.0.1:5000/app${p}:${tagPart}`,
    created_at: iso(created),
    updated_at: iso(finished),
    started_at: iso(started),
    finished_at: iso(finished),
    duration_ms: 60_000,
  };
}

/** The seq (1-based insertion order) of the wall's expected build for project p. */
export function expectedWallIndex(p: number, total: number): number {
  const rounds = Math.ceil(total / PROJECTS);
  if (p >= NO_DEFAULT_FROM) return (rounds - 1) * PROJECTS + p;
  const lastDefault = rounds - 3;
  return (p % 7 === 0 ? lastDefault - 1 : lastDefault) * PROJECTS + p;
}

export async function seed(backend: SqlBackend, total: number, opts: { now: number; recent: number; recentStepMs: number; waitMs: number }): Promise<void> {
  await seedBuilds(backend, total, (i) => seedRow(i, total, opts.now, opts.recent, opts.recentStepMs, opts.waitMs));
}
