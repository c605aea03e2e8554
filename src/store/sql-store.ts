import type { Store } from '../core/store.js';
import type { SqlBackend } from './backend.js';
import { asStoreError } from './errors.js';
import { dependentsOf, recordBaseImages } from './queries/base-images.js';
import { lastPassedCommit } from './queries/last-passed.js';
import { addSiblings } from './queries/add-siblings.js';
import { buildTimes } from './queries/build-times.js';
import { listAgents, recordAgent } from './queries/agents.js';
import { claimNext } from './queries/claim-next.js';
import { handBack } from './queries/hand-back.js';
import { rememberLabels, repoLabels } from './queries/repo-labels.js';
import { countByStatus } from './queries/count-by-status.js';
import { createBuild } from './queries/create-build.js';
import { deleteFinishedBefore } from './queries/delete-finished.js';
import { findReplayed, listDeliveries, recordDelivery, updateDelivery } from './queries/deliveries.js';
import { receiveDelivery } from './queries/receive-delivery.js';
import { failStarted } from './queries/fail-started.js';
import { listNotifications, recordNotification } from './queries/notifications.js';
import { reclaim, renewLeases } from './queries/leases.js';
import { latestStatus } from './queries/latest-status.js';
import { listProjects } from './queries/list-projects.js';
import { appendLog, readLog } from './queries/logs.js';
import { listProjectBuilds } from './queries/project-builds.js';
import { supersede } from './queries/supersede.js';
import { getBuild, listBuilds, listGroup, listStartedSince } from './queries/read-builds.js';
import { updateBuild } from './queries/update-build.js';
import { wall } from './queries/wall.js';

/**
 * The Store over SQL, the same for SQLite and Postgres. Each method is one query module; this file
 * only turns driver failures (disk full, connection lost) into `system` errors that name the database.
 */
export function createSqlStore(backend: SqlBackend): Store {
  const run = async <T>(action: string, query: () => Promise<T>): Promise<T> => {
    try {
      return await query();
    } catch (err) {
      throw asStoreError(err, action, backend.label);
    }
  };
  return {
    createBuild: (b) => run('create a build', () => createBuild(backend, b)),
    getBuild: (id) => run('read a build', () => getBuild(backend, id)),
    listBuilds: (q) => run('list builds', () => listBuilds(backend, q)),
    listGroup: (groupId) => run('list a build group', () => listGroup(backend, groupId)),
    listProjects: (q) => run('list projects', () => listProjects(backend, q)),
    latestStatus: (project, branch) => run('read a project\'s latest status', () => latestStatus(backend, project, branch)),
    wall: (q) => run('read the wall', () => wall(backend, q)),
    listProjectBuilds: (project, limit) => run('list a project\'s builds', () => listProjectBuilds(backend, project, limit)),
    buildTimes: (since) => run('read build times', () => buildTimes(backend, since)),
    lastPassedCommit: (project, branch) => run('read a project\'s last passed build', () => lastPassedCommit(backend, project, branch)),
    recordBaseImages: (entry) => run('record base images', () => recordBaseImages(backend, entry)),
    dependentsOf: (images) => run('look up dependent projects', () => dependentsOf(backend, images)),
    updateBuild: (id, patch, lease) => run('update a build', () => updateBuild(backend, id, patch, lease)),
    supersede: (repo, branch) => run('supersede older builds', () => supersede(backend, repo, branch)),
    addSiblings: (groupId, projects) => run('add sibling builds', () => addSiblings(backend, groupId, projects)),
    claimNext: (maxStarted, opts) => run('claim a queued build', () => claimNext(backend, maxStarted, opts)),
    renewLeases: (owner, seconds, groupIds) => run('renew leases', () => renewLeases(backend, owner, seconds, groupIds)),
    reclaim: (scope) => run('take back lost builds', () => reclaim(backend, scope)),
    handBack: (id, options) => run('hand a build back to the queue', () => handBack(backend, id, options)),
    recordAgent: (a) => run('record an agent', () => recordAgent(backend, a)),
    listAgents: () => run('list agents', () => listAgents(backend)),
    listStartedSince: (since, limit) => run('list started builds', () => listStartedSince(backend, since, limit)),
    rememberLabels: (repo, labels) => run('remember a repository\'s labels', () => rememberLabels(backend, repo, labels)),
    repoLabels: (repos) => run('read repositories\' labels', () => repoLabels(backend, repos)),
    failStarted: (reason) => run('fail started builds', () => failStarted(backend, reason)),
    countByStatus: () => run('count builds', () => countByStatus(backend)),
    appendLog: (groupId, text) => run('append to a log', () => appendLog(backend, groupId, text)),
    readLog: (groupId, offset, maxChars) => run('read a log', () => readLog(backend, groupId, offset, maxChars)),
    recordDelivery: (d) => run('record a delivery', () => recordDelivery(backend, d)),
    updateDelivery: (id, patch) => run('update a delivery', () => updateDelivery(backend, id, patch)),
    receiveDelivery: (d, opts) => run('record a delivery', () => receiveDelivery(backend, d, opts)),
    listDeliveries: (q) => run('list deliveries', () => listDeliveries(backend, q)),
    recordNotification: (a) => run('record a notification', () => recordNotification(backend, a)),
    listNotifications: (buildId) => run('list notifications', () => listNotifications(backend, buildId)),
    findReplayed: (id, identity, since) => run('look for a replayed delivery', () => findReplayed(backend, id, identity, since)),
    deleteFinishedBefore: (before) => run('delete old builds', () => deleteFinishedBefore(backend, before)),
    ping: () => run('answer a ping', () => ping(backend)),
    close: () => run('close', () => backend.close()),
  };
}

async function ping(backend: SqlBackend): Promise<void> {
  await backend.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
}
