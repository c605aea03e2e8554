import type { RunResult } from './run.js';
import { buildFailed } from '../core/errors.js';
import { isMissingRef, remoteFailure } from './failure.js';

/**
 * Arguments for a shallow fetch of remote refs (or commit ids) into FETCH_HEAD. `--` keeps a URL or refspec that
 * starts with '-' from being read as an option (`--upload-pack=...`), even if validation were skipped.
 */
export function fetchArgs(url: string, ...refspecs: string[]): string[] {
  return ['fetch', '--depth', '1', '--no-tags', '--no-recurse-submodules', '--', url, ...refspecs];
}

/**
 * Fetches branch `ref`, or tag `ref` when no such branch exists. Branches first, as
 * `git clone --branch` does; `git fetch URL ref` alone would prefer a tag of the same name.
 */
export async function fetchRef(
  run: (args: string[]) => Promise<RunResult>,
  url: string,
  ref: string,
  shownUrl: string,
): Promise<void> {
  const branch = await run(fetchArgs(url, `refs/heads/${ref}`));
  if (branch.code === 0) return;
  if (!isMissingRef(branch.stderr)) throw remoteFailure(shownUrl, branch.stderr);
  const tag = await run(fetchArgs(url, `refs/tags/${ref}`));
  if (tag.code === 0) return;
  if (!isMissingRef(tag.stderr)) throw remoteFailure(shownUrl, tag.stderr);
  throw buildFailed(`no branch or tag named '${ref}' in ${shownUrl}`);
}
