import type { Logger } from 'pino';
import { isRogerError, toError } from '../../core/errors.js';
import type { Delivery, Store } from '../../core/store.js';
import { requestBuild } from '../../trigger/request.js';
import type { GitHubApi } from './api.js';
import { parseEvent, type WebhookIntent } from './parse.js';
import { buildPullRequest } from './pull-request.js';

export interface DeliveryDeps {
  store: Store;
  allowedSchemes: string[];
  /** Tells the scheduler there is work. */
  wake(): void;
  api: GitHubApi;
  log: Pick<Logger, 'warn' | 'error'>;
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
 */
export async function handleDelivery(
  deps: DeliveryDeps,
  d: { id: string; event: string; payload: Record<string, unknown> },
): Promise<HookAnswer> {
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
    case 'prComment': {
      const fresh = await record(deps.store, d, intent.repoUrl, `pull/${intent.number}`, `pending: looking up pull request #${intent.number}`);
      if (!fresh) return duplicate();
      const background = buildPullRequest(deps, d.id, intent).catch((err: unknown) => {
        deps.log.error(`delivery ${d.id}: ${toError(err).message}`);
      });
      return { status: 202, body: { message: `looking up pull request #${intent.number}; its head branch builds next` }, background };
    }
    case 'build': {
      if (!(await record(deps.store, d, intent.repo, intent.ref, 'received'))) return duplicate();
      return queue(deps, d.id, intent);
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
function record(store: Store, d: { id: string; event: string }, repo: string | null, ref: string | null, result: string): Promise<boolean> {
  const delivery: Delivery = { id: d.id, event: d.event, repo, ref, result, buildId: null, receivedAt: new Date().toISOString() };
  return store.recordDelivery(delivery);
}

const duplicate = (): HookAnswer => ({ status: 200, body: { message: 'duplicate delivery' } });
