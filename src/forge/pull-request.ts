import { isRogerError, toError } from '../core/errors.js';
import type { Forge, HookIntent } from '../core/forge.js';
import { requestBuild } from '../trigger/request.js';
import type { DeliveryDeps } from './deliver.js';

/**
 * "build please!" whose payload does not name the head: looks the pull request up on its forge and
 * queues its head branch, recording the outcome on the delivery. Pull requests from forks are not
 * built: their code would be pushed under this repository's image names (a fork's `master` becomes
 * `latest`). settings.matching does not apply, since someone asked for this build by name.
 */
export async function buildRequested(
  deps: DeliveryDeps,
  forge: Forge,
  deliveryId: string,
  pr: Extract<HookIntent, { kind: 'request' }>,
): Promise<void> {
  const done = (result: string, buildId: string | null = null) => deps.store.updateDelivery(deliveryId, { result, buildId });
  let head;
  try {
    head = await forge.pullHead(pr.owner, pr.name, pr.number);
  } catch (err) {
    if (isRogerError(err, 'not-found')) return done('ignored: pull request not found');
    deps.log.warn(`delivery ${deliveryId}: ${toError(err).message}`);
    return done(`failed: cannot look up pull request #${pr.number}: ${toError(err).message}`);
  }
  if (head.fromFork) return done(`ignored: pull request #${pr.number} comes from a fork; only branches of this repository are built`);
  try {
    const { build, created } = await requestBuild(deps, {
      repo: pr.repo,
      branch: head.branch,
      commit: head.sha,
      trigger: 'webhook',
      internal: { forge: forge.name },
    });
    return done(created ? 'built' : `duplicate: build ${build.id} is already queued for this commit`, build.id);
  } catch (err) {
    return done(`${isRogerError(err, 'bad-input') ? 'ignored' : 'failed'}: ${toError(err).message}`);
  }
}
