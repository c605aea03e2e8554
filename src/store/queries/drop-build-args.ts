import type { Kysely, Transaction } from 'kysely';
import type { BuildOptions } from '../../core/build.js';
import type { Database, BuildRow } from '../schema.js';

/**
 * Build-argument values often carry tokens, so the store keeps them only while a build waits in the
 * queue. Once it leaves the queue (claimed: its pipeline holds the values in memory; or canceled: it
 * will never need them) the stored options keep the names alone, as `buildargNames`.
 */
export function withoutBuildArgValues(options: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(options);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('buildargs' in parsed)) return undefined;
  const { buildargs, ...rest } = parsed as BuildOptions;
  const names = Object.keys(buildargs ?? {});
  const kept: BuildOptions = names.length > 0 ? { ...rest, buildargNames: names } : rest;
  return JSON.stringify(kept);
}

/** Rewrites `row`'s stored options without build-argument values; returns the row as now stored. */
export async function dropBuildArgs(db: Kysely<Database> | Transaction<Database>, row: BuildRow): Promise<{ row: BuildRow; dropped: boolean }> {
  const options = withoutBuildArgValues(row.options);
  if (options === undefined) return { row, dropped: false };
  await db.updateTable('builds').set({ options }).where('id', '=', row.id).execute();
  return { row: { ...row, options }, dropped: true };
}
