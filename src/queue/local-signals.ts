import type { QueueListener, QueueSignals } from '../core/signals.js';
import type { Store } from '../core/store.js';

/**
 * Signals within one process (the embedded server, SQLite): the store wrapper below raises them as
 * builds are queued or canceled through it, which is every write in that mode.
 */
export class LocalSignals implements QueueSignals {
  private listener: QueueListener | undefined;

  listen(listener: QueueListener): Promise<void> {
    this.listener = listener;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.listener = undefined;
    return Promise.resolve();
  }

  /** Wraps `store` so queuing and canceling through it signal this process's listener. */
  signaling(store: Store): Store {
    return {
      ...store,
      createBuild: async (b) => {
        const result = await store.createBuild(b);
        if (result.created) this.listener?.queued();
        return result;
      },
      updateBuild: async (id, patch, lease) => {
        const build = await store.updateBuild(id, patch, lease);
        if (patch.status === 'queued') this.listener?.queued();
        if (patch.status === 'canceled') this.listener?.canceled(build.groupId);
        return build;
      },
    };
  }
}
