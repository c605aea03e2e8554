import type { RequestDeps } from '../trigger/request.js';
import type { AppDeps } from './app.js';

/** What the build use cases (request, rebuild, cancel) need, from the app's parts. */
export function requestDeps(deps: AppDeps, log?: RequestDeps['log']): RequestDeps {
  return {
    log,
    store: deps.store,
    allowedSchemes: deps.config.builds.allowedSchemes,
    cancelSuperseded: deps.config.builds.cancelSuperseded,
    wake: () => deps.scheduler.wake(),
    abort: (groupId, reason) => deps.scheduler.cancel(groupId, reason),
    touch: (groupId) => deps.logs.touch(groupId),
  };
}
