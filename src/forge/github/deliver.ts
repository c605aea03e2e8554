import type { Logger } from 'pino';
import { isRogerError, toError } from '../../core/errors.js';
import type { Delivery, Store } from '../../core/store.js';
import { requestBuild, type RequestDeps } from '../../trigger/request.js';
import type { GitHubApi } from './api.js';
import { refusedRepository } from './allow.js';
import { payloadIdentity, REPLAY_WINDOW_MS } from './identity.js';
import { parseEvent, type WebhookIntent } from './parse.js';
import { buildPullRequest } from './pull-request.js';

export interface DeliveryDeps extends RequestDeps {
  api: GitHubApi;
  log: Pick<Logger, 'warn' | 'error'>;
  /** `github.repositories`: the allow-list; empty = every repository. */
  repositories: readonly string[];
}

export interface HookAnswer {
  status: number;
  body: { message: string } & Record<string, unknown>;
  /** Work that goes on after the answer (a pull request lookup); it records its outcome on the delivery. */
  background?: Promise<void>;
}

/**
 * One verified delivery: records it (a delivery id seen before does nothing), then queues the build
 * it asks for or records why it builds nothing. Nothing is cloned here; a pull request comment is
 * answered at once and looked up in the background. Bad input is recorded, then rethrown (HTTP 400).
 * A repository outside `github.repositories` is answered 403, so GitHub shows the delivery as failed
 * to whoever set the hook up; the same payload replayed under a new delivery id within
 * REPLAY_WINDOW_MS is recorded as a duplicate and builds nothing.
 */
export async function handleDelivery(
  deps: DeliveryDeps,
  d: { id: string; event: string; payload: Record<string, unknown> },
): Promise<HookAnswer> {
  const refused = refusedRepository(deps.repositories, d.payload);
  if (refused !== undefined) {
    const fresh = await record(deps.store, d, repoText(d.payload), null, `ignored: ${refused}`);
    return fresh ? { status: 403, body: { message: refused } } : duplicate();
  }
  let intent: WebhookIntent;
  try {
    intent = parseEvent(d.event, d.payload);
  } catch (err) {
    if (!isRogerError(err, 'bad-input')) throw err;
    const fresh = await record(deps.store, d, null, null, `ignored: ${err.message}`);
    if (!fresh) return duplicate();
    throw err;
  }

  switch (intent.kind) {
    case 'ping':
      return (await record(deps.store, d, null, null, 'ignored: ping')) ? { status: 200, body: { message: 'pong' } } : duplicate();
    case 'ignore': {
      const result = `ignored: ${intent.reason}`;
      const fresh = await record(deps.store, d, intent.repo ?? null, intent.ref ?? null, result);
      return fresh ? { status: 202, body: { message: result } } : duplicate();
    }
    case 'skip': {
      const result = `skipped: ${intent.reason}`;
      const fresh = await record(deps.store, d, intent.repo, intent.ref, result);
      return fresh ? { status: 202, body: { message: result } } : duplicate();
    }
    case 'prComment': {
      const identity = payloadIdentity(d.event, d.payload, intent);
      const fresh = await record(deps.store, { ...d, identity }, intent.repoUrl, `pull/${intent.number}`, `pending: looking up pull request #${intent.number}`);
      if (!fresh) return duplicate();
      const replayed = await replayOf(deps.store, d.id, identity);
      if (replayed) return replayed;
      const background = buildPullRequest(deps, d.id, intent).catch((err: unknown) => {
        deps.log.error(`delivery ${d.id}: ${toError(err).message}`);
      });
      return { status: 202, body: { message: `looking up pull request #${intent.number}; its head branch builds next` }, background };
    }
    case 'build': {
      const identity = payloadIdentity(d.event, d.payload, intent);
      if (!(await record(deps.store, { ...d, identity }, intent.repo, intent.ref, 'received'))) return duplicate();
      return (await replayOf(deps.store, d.id, identity)) ?? queue(deps, d.id, intent);
    }
  }
}

async function queue(deps: DeliveryDeps, id: string, intent: Extract<WebhookIntent, { kind: 'build' }>): Promise<HookAnswer> {
  try {
    const { build, created } = await requestBuild(deps, {
      repo: intent.repo,
      branch: intent.ref,
      trigger: 'webhook',
      commit: intent.commit,
      internal: { webhook: { refType: intent.refType, delivery: id } },
    });
    const result = created ? 'built' : `duplicate: build ${build.id} is already queued for this commit`;
    await deps.store.updateDelivery(id, { result, buildId: build.id });
    const message = created ? 'build scheduled' : 'build already queued';
    return { status: 202, body: { message, id: build.id, repo: build.repo, branch: build.branch } };
  } catch (err) {
    const why = isRogerError(err, 'bad-input') ? 'ignored' : 'failed';
    await deps.store.updateDelivery(id, { result: `${why}: ${toError(err).message}`, buildId: null }).catch(() => undefined);
    throw err;
  }
}

/** Records the delivery; false when its id was seen before. */
function record(
  store: Store,
  d: { id: string; event: string; identity?: string | undefined },
  repo: string | null,
  ref: string | null,
  result: string,
): Promise<boolean> {
  const delivery: Delivery = { id: d.id, event: d.event, repo, ref, result, buildId: null, receivedAt: new Date().toISOString() };
  return store.recordDelivery(d.identity === undefined ? delivery : { ...delivery, identity: d.identity });
}

/** When an earlier delivery carried the same payload, records this one as its duplicate (HTTP 200). */
async function replayOf(store: Store, id: string, identity: string | undefined): Promise<HookAnswer | undefined> {
  if (identity === undefined) return undefined;
  const since = new Date(Date.now() - REPLAY_WINDOW_MS).toISOString();
  const original = await store.findReplayed(id, identity, since);
  if (original === undefined) return undefined;
  await store.updateDelivery(id, { result: `duplicate: same payload as delivery ${original.id}`, buildId: original.buildId });
  return { status: 200, body: { message: `duplicate: same payload as delivery ${original.id}` } };
}

/** The repository as the payload names it, for the record of a refused delivery. */
function repoText(payload: Record<string, unknown>): string | null {
  const repo = payload.repository;
  if (typeof repo !== 'object' || repo === null) return null;
  const name = (repo as Record<string, unknown>).full_name;
  return typeof name === 'string' ? name.slice(0, 200) : null;
}

const duplicate = (): HookAnswer => ({ status: 200, body: { message: 'duplicate delivery' } });
