import type { Engine } from '../core/engine.js';
import type { Lease, Store } from '../core/store.js';

/** The store as one run sees it: every build update it makes is fenced by the run's lease. */
export function leasedStore(store: Store, lease: Lease): Store {
  return { ...store, updateBuild: (id, patch) => store.updateBuild(id, patch, lease) };
}

/**
 * The engine as one run sees it: before its first push the build is marked `pushed` under the run's
 * lease. A run that lost its build never pushes (the mark is refused), and a lost build that may have
 * pushed is known, so it is failed rather than run a second time.
 */
export function markingPushes(engine: Engine, store: Store, buildId: string, lease: Lease): Engine {
  let marked: Promise<unknown> | undefined;
  return Object.assign(Object.create(engine) as Engine, {
    push: async (...args: Parameters<Engine['push']>) => {
      marked ??= store.updateBuild(buildId, { pushed: true }, lease);
      await marked;
      return engine.push(...args);
    },
  });
}
