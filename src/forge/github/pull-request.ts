import { isRogerError, toError } from '../../core/errors.js';
import { requestBuild } from '../../trigger/request.js';
import type { DeliveryDeps } from './deliver.js';
import type { WebhookIntent } from './parse.js';

/**
 * "build please!": looks the pull request up and queues its head branch, recording the outcome on the
 * delivery. Pull requests from forks are not built: their code would be pushed under this
 * repository's image names (a fork's `master` becomes `latest`). settings.matching does not apply,
 * since someone asked for this build by name.
 */
export async function buildPullRequest(
  deps: DeliveryDeps,
  deliveryId: string,
  pr: Extract<WebhookIntent, { kind: 'prComment' }>,
): Promise<void> {
  const done = (result: string, buildId: string | null = null) => deps.store.updateDelivery(deliveryId, { result, buildId });
  let head;
  try {
    head = await deps.api.getPullHead(pr.owner, pr.repo, pr.number);
  } catch (err) {
    if (isRogerError(err, 'not-found')) return done('ignored: pull request not found');
    deps.log.warn(`delivery ${deliveryId}: ${toError(err).message}`);
    return done(`failed: cannot look up pull request #${pr.number}: ${toError(err).message}`);
  }
  if (head.fromFork) return done(`ignored: pull request #${pr.number} comes from a fork; only branches of this repository are built`);
  try {
    const { build, created } = await requestBuild(deps, { repo: pr.repoUrl, branch: head.branch, commit: head.sha, trigger: 'webhook' });
    return done(created ? 'built' : `duplicate: build ${build.id} is already queued for this commit`, build.id);
  } catch (err) {
    return done(`${isRogerError(err, 'bad-input') ? 'ignored' : 'failed'}: ${toError(err).message}`);
  }
}
