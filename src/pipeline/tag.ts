/**
 * Image tag for a branch or git tag, per Roger: `master` and the repository's default branch become
 * `latest`; characters outside [A-Za-z0-9_.-] become `-`; at most 128 characters.
 */
export function imageTag(ref: string, defaultBranch: string | undefined): string {
  if (ref === 'master' || (defaultBranch !== undefined && ref === defaultBranch)) return 'latest';
  let tag = ref.replace(/[^A-Za-z0-9_.-]/g, '-');
  // Docker refuses tags starting with '.' or '-'.
  tag = tag.replace(/^[.-]/, '_');
  return tag.slice(0, 128);
}
