import type { Logger } from 'pino';
import { isRogerError, toError } from '../core/errors.js';
import type { Forge, HookIntent } from '../core/forge.js';
import type { Delivery, DeliveryReceipt, NewBuild, Store } from '../core/store.js';
import { afterSuperseded, checkBuild, type RequestDeps } from '../trigger/request.js';
import { REPLAY_WINDOW_MS } from './identity.js';
import { buildRequested } from './pull-request.js';

export interface DeliveryDeps extends RequestDeps {
  log: Pick<Logger, 'warn' | 'error'>;
}

export interface HookAnswer {
  status: number;
  body: { message: string } & Record<string, unknown>;
  /** Work that goes on after the answer (a pull request lookup); it records its outcome on the delivery. */
  background?: Promise<void>;
}

export interface IncomingDelivery {
  /** Unique across forges (GitLab's and Gitea's ids carry the forge's name). */
  id: string;
  event: string;
  payload: Record<string, unknown>;
}

/**
 * One verified delivery of any forge: the forge turns it into an intent, and this records it (a
 * delivery id seen before does nothing), then queues the build it asks for or records why it builds
 * nothing. A build's delivery record, replay check and queued build are one transaction. Nothing is
 * cloned here; a pull request whose head the payload does not carry is answered at once and looked up
 * in the background. Bad input is recorded, then rethrown (HTTP 400). A repository the forge refuses is
 * answered 403; the same payload replayed under a new delivery id within its window is recorded as a
 * duplicate of the first and builds nothing.
 */
export async function handleDelivery(deps: DeliveryDeps, forge: Forge, d: IncomingDelivery): Promise<HookAnswer> {
  const refused = forge.refused?.(d.payload);
  if (refused !== undefined) {
    const fresh = await record(deps.store, d, repoText(d.payload), null, `ignored: ${refused}`);
    return fresh ? { status: 403, body: { message: refused } } : duplicate();
  }
  let intent: HookIntent;
  try {
    intent = forge.parse(d.event, d.payload);
  } catch (err) {
    if (!isRogerError(err, 'bad-input')) throw err;
    if (!(await record(deps.store, d, null, null, `ignored: ${err.message}`))) return duplicate();
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
    case 'request':
      return request(deps, forge, d, intent);
    case 'build': {
      const build = await checked(deps, d, intent.repo, intent.ref, () =>
        checkBuild(
          {
            repo: intent.repo,
            branch: intent.ref,
            trigger: 'webhook',
            commit: intent.commit,
            internal: { forge: forge.name, webhook: { refType: intent.refType, delivery: d.id } },
          },
          deps.allowedSchemes,
        ),
      );
      if (build === undefined) return duplicate();
      const receipt = await receive(deps, { ...delivery(d, intent.repo, intent.ref, 'received'), ...identity(intent.identity) }, build, intent.windowMs);
      return answer(receipt);
    }
  }
}

/** "build please!": built at once when the payload names the head, else looked up after the answer. */
async function request(deps: DeliveryDeps, forge: Forge, d: IncomingDelivery, pr: Extract<HookIntent, { kind: 'request' }>): Promise<HookAnswer> {
  const ref = `pull/${pr.number}`;
  const head = pr.head;
  if (head?.fromFork === true) {
    const result = `ignored: request #${pr.number} comes from a fork; only branches of this repository are built`;
    return (await record(deps.store, d, pr.repo, ref, result)) ? { status: 202, body: { message: result } } : duplicate();
  }
  if (head !== undefined) {
    const build = await checked(deps, d, pr.repo, ref, () =>
      checkBuild({ repo: pr.repo, branch: head.branch, commit: head.sha, trigger: 'webhook', internal: { forge: forge.name } }, deps.allowedSchemes),
    );
    if (build === undefined) return duplicate();
    return answer(await receive(deps, { ...delivery(d, pr.repo, ref, 'received'), ...identity(pr.identity) }, build));
  }
  const receipt = await receive(deps, { ...delivery(d, pr.repo, ref, `pending: looking up pull request #${pr.number}`), ...identity(pr.identity) });
  if (receipt.kind !== 'recorded') return answer(receipt);
  const background = buildRequested(deps, forge, d.id, pr).catch((err: unknown) => {
    deps.log.error(`delivery ${d.id}: ${toError(err).message}`);
  });
  return { status: 202, body: { message: `looking up pull request #${pr.number}; its head branch builds next` }, background };
}

/** The validated build, or undefined when the delivery id was seen before; bad input is recorded and rethrown. */
async function checked(deps: DeliveryDeps, d: IncomingDelivery, repo: string, ref: string, check: () => NewBuild): Promise<NewBuild | undefined> {
  try {
    return check();
  } catch (err) {
    if (!isRogerError(err, 'bad-input')) throw err;
    if (!(await record(deps.store, d, repo, ref, `ignored: ${err.message}`))) return undefined;
    throw err;
  }
}

async function receive(deps: DeliveryDeps, d: Delivery, build?: NewBuild, windowMs = REPLAY_WINDOW_MS): Promise<DeliveryReceipt> {
  const replaySince = new Date(Date.now() - windowMs).toISOString();
  let receipt: DeliveryReceipt;
  try {
    receipt = await deps.store.receiveDelivery(d, build === undefined ? { replaySince } : { build, replaySince });
  } catch (err) {
    // The transaction left nothing behind; the forge redelivers on the 500, and the record says why.
    const { identity: _kept, ...rest } = d;
    await deps.store.recordDelivery({ ...rest, result: `failed: ${toError(err).message}` }).catch(() => undefined);
    throw err;
  }
  if (receipt.kind === 'queued' && receipt.created) {
    // Superseded in the delivery's own transaction: what is left is telling the runs and the scheduler.
    // The build is recorded: a failure here is logged, never answered (the forge would deliver again).
    try {
      await afterSuperseded(deps, receipt.superseded);
    } catch (err) {
      deps.log?.warn(`build ${receipt.build.id} queued, but its superseded running builds were not all canceled: ${toError(err).message}`);
    } finally {
      deps.wake();
    }
  }
  return receipt;
}

function answer(receipt: DeliveryReceipt): HookAnswer {
  switch (receipt.kind) {
    case 'seen':
      return duplicate();
    case 'replay':
      return { status: 200, body: { message: `duplicate: same payload as delivery ${receipt.of.id}` } };
    case 'recorded':
      return { status: 202, body: { message: 'recorded' } };
    case 'queued': {
      const { build, created } = receipt;
      return { status: 202, body: { message: created ? 'build scheduled' : 'build already queued', id: build.id, repo: build.repo, branch: build.branch } };
    }
  }
}

/** Records a delivery that builds nothing; false when its id was seen before. */
function record(store: Store, d: IncomingDelivery, repo: string | null, ref: string | null, result: string): Promise<boolean> {
  return store.recordDelivery(delivery(d, repo, ref, result));
}

function delivery(d: IncomingDelivery, repo: string | null, ref: string | null, result: string): Delivery {
  return { id: d.id, event: d.event, repo, ref, result, buildId: null, receivedAt: new Date().toISOString() };
}

const identity = (value: string | undefined): { identity?: string } => (value === undefined ? {} : { identity: value });

/** The repository as the payload names it, for the record of a refused delivery. */
function repoText(payload: Record<string, unknown>): string | null {
  const repo = payload.repository;
  if (typeof repo !== 'object' || repo === null) return null;
  const name = (repo as Record<string, unknown>).full_name;
  return typeof name === 'string' ? name.slice(0, 200) : null;
}

const duplicate = (): HookAnswer => ({ status: 200, body: { message: 'duplicate delivery' } });
