import { projectShortName, type BuildRecord } from '../core/build.js';
import type { Notification } from '../core/notifier.js';

/** Roger's subject: `[<project>:<branch>] BUILD PASSED` or `[<project>:<branch>] BUILD FAILED: <error>`. */
export function subject(build: BuildRecord): string {
  const head = `[${projectShortName(build.project, build.repo)}:${build.branch}]`;
  if (build.status === 'passed') return `${head} BUILD PASSED`;
  return `${head} BUILD ${build.status.toUpperCase()}: ${oneLine(build.error ?? 'no reason recorded')}`;
}

/** Roger's body line. */
export const body = (n: Notification): string => `You can check the build output at ${n.link}`;

/** Slack and email speak when a build passed or failed; cancels and skips are somebody's own doing. */
export const passedOrFailed = (n: Notification): boolean =>
  n.event === 'finished' && (n.build.status === 'passed' || n.build.status === 'failed');

/** The email address in git's `Name <email>`, when there is one. */
export function authorEmail(author: string | null): string | undefined {
  const m = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(author ?? '');
  return m?.[1];
}

/**
 * `to:` with Roger's `committer` replaced by the commit author's email; dropped (and said so) when
 * the author has none.
 */
export function resolveRecipients(to: readonly string[], build: BuildRecord): { to: string[]; note?: string } {
  const email = authorEmail(build.author);
  const out = to.flatMap((t) => (t === 'committer' ? (email ? [email] : []) : [t]));
  const note = to.includes('committer') && !email ? `committer dropped: the commit author "${build.author ?? ''}" has no email` : undefined;
  return { to: [...new Set(out)], note };
}

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(0, 500);
