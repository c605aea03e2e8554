import type { Config } from '../core/config.js';
import type { ForgeName } from '../core/forge.js';
import { NotifyError, type Notifier } from '../core/notifier.js';
import { buildForge } from '../forge/which.js';
import type { CommitStatus } from '../forge/github/api.js';
import { statusFor } from './github-status.js';

/** Where a forge's statuses go: the repository's place on the forge, and one attempt at posting there. */
export interface StatusTarget<Where> {
  locate(repo: string): Where | undefined;
  post(where: Where, sha: string, status: CommitStatus, signal: AbortSignal): Promise<void>;
  describe(where: Where): string;
}

/**
 * A commit status notifier for a forge other than GitHub: `pending`/`running` when a build starts, the
 * outcome when it ends, on the commit the checkout resolved, for builds whose forge it is (the one
 * whose webhook asked, else the one serving the repository's host).
 */
export function forgeStatusNotifier<Where>(name: ForgeName & ('gitlab' | 'gitea'), config: Config, target: StatusTarget<Where>): Notifier {
  return {
    name,
    wants: (n) =>
      n.commit !== undefined && buildForge(n.build, config) === name && statusFor(n.build, n.event, config) !== undefined && target.locate(n.build.repo) !== undefined,
    async send(n, signal) {
      const status = statusFor(n.build, n.event, config);
      const where = target.locate(n.build.repo);
      if (!status || where === undefined || !n.commit) return 'nothing to report';
      try {
        await target.post(where, n.commit, status, signal);
      } catch (err) {
        if (err instanceof NotifyError) throw err;
        throw new NotifyError(signal.aborted ? 'no answer within the timeout' : err instanceof Error ? err.message : String(err), true, { cause: err });
      }
      return `${status.state} on ${n.commit.slice(0, 12)} of ${target.describe(where)} (${status.context})`;
    },
  };
}
