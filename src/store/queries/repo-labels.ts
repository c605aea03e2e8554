import type { Labels } from '../../core/agent.js';
import type { SqlBackend } from '../backend.js';

/** Replaces the labels a repository's builds ask of agents (from its latest build.yml). */
export async function rememberLabels(backend: SqlBackend, repo: string, labels: Labels): Promise<void> {
  await backend.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('repo_labels').where('repo', '=', repo).execute();
    const rows = Object.entries(labels).map(([key, value]) => ({ repo, key, value }));
    if (rows.length > 0) await trx.insertInto('repo_labels').values(rows).execute();
  });
}

/** The labels each of `repos` asks for; repositories asking for none are left out. */
export async function repoLabels(backend: SqlBackend, repos: string[]): Promise<Map<string, Labels>> {
  const found = new Map<string, Labels>();
  if (repos.length === 0) return found;
  const rows = await backend.db.selectFrom('repo_labels').selectAll().where('repo', 'in', [...new Set(repos)]).execute();
  for (const row of rows) found.set(row.repo, { ...found.get(row.repo), [row.key]: row.value });
  return found;
}
