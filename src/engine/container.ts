import type Dockerode from 'dockerode';
import type { EngineClient } from './client.js';
import { statusCodeOf, toEngineError, type ErrorContext } from './errors.js';

/**
 * A container's life for one operation. The Engine contract says every container is gone before the
 * operation settles, on success, failure and abort alike, so creation and removal live here once.
 */

/** Marks Roger's containers, so an operator can find any that a crashed server left behind. */
export const CONTAINER_LABEL = 'io.github.roger.engine';

/** Idempotent: the abort handler and the final clean-up share one removal, and both can await it. */
export type Remove = () => Promise<void>;

async function removeContainer(container: Dockerode.Container): Promise<void> {
  try {
    // `force` kills a running container; `v` removes the anonymous volumes of the image's VOLUMEs,
    // which would otherwise pile up build after build.
    await container.remove({ force: true, v: true });
  } catch (err) {
    if (statusCodeOf(err) === 404) return;
    throw err;
  }
}

export async function withContainer<T>(
  client: EngineClient,
  create: Dockerode.ContainerCreateOptions,
  ctx: ErrorContext,
  use: (container: Dockerode.Container, docker: Dockerode, remove: Remove) => Promise<T>,
): Promise<T> {
  let docker: Dockerode;
  let c: Dockerode.Container;
  try {
    docker = await client.docker();
    c = await docker.createContainer({ ...create, Labels: { ...create.Labels, ...client.labels, [CONTAINER_LABEL]: 'true' } });
  } catch (err) {
    throw toEngineError(err, ctx);
  }
  let removal: Promise<void> | undefined;
  const remove: Remove = () => (removal ??= removeContainer(c));

  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await use(c, docker, remove) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  const removeFailure = await remove().then(
    () => undefined,
    (err: unknown) => err ?? new Error('container removal failed'),
  );
  // The operation's own failure says more than a failed clean-up after it.
  if (!outcome.ok) throw toEngineError(outcome.error, ctx);
  if (removeFailure !== undefined) {
    throw toEngineError(removeFailure, { ...ctx, what: `Removing the container of ${ctx.what}`, kind: 'system' });
  }
  return outcome.value;
}
