/** How long a payload's identity is remembered: a replay after that builds again (a forge's own redeliveries keep their id). */
export const REPLAY_WINDOW_MS = 60 * 60 * 1000;

/**
 * How long a new tag's identity is remembered. GitHub and Gitea announce a new tag twice, a `create`
 * and a `push`, seconds apart; a tag deleted and pushed again later is a new request.
 */
export const NEW_TAG_WINDOW_MS = 10 * 60 * 1000;

/** One identity for every delivery announcing that tag `ref` of `repo` was created, whatever the event. */
export const newTagIdentity = (repo: string, ref: string): string => `new tag ${repo} ${ref}`;

/** A push of `before..after` to a ref: pushing a branch back to an earlier commit is a new push. */
export const pushIdentity = (forge: string, repo: string, refType: string, ref: string, before: string, after: string): string =>
  `${forge} push ${repo} ${refType} ${ref} ${before.slice(0, 64)}..${after}`;

/** A request comment, by the forge's own comment id. */
export function commentIdentity(forge: string, repo: string, number: number, commentId: unknown): string | undefined {
  if (typeof commentId !== 'number' && typeof commentId !== 'string') return undefined;
  return `${forge} ${repo} pull/${number} comment ${String(commentId).slice(0, 40)}`;
}
