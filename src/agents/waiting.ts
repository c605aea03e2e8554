import { isLive, missingLabels, type AgentRecord } from '../core/agent.js';
import type { BuildRecord } from '../core/build.js';
import type { Store } from '../core/store.js';

/**
 * Why queued builds wait, when no agent can take them: none running, or none offering the labels the
 * repository's build.yml asks for. A build missing from the answer waits only for a free agent (or
 * asks for labels not known until its first checkout).
 */
export async function waitingReasons(store: Store, builds: readonly BuildRecord[], nowMs = Date.now()): Promise<Map<string, string>> {
  const reasons = new Map<string, string>();
  const queued = builds.filter((b) => b.status === 'queued');
  if (queued.length === 0) return reasons;
  const [agents, labels] = await Promise.all([store.listAgents(), store.repoLabels(queued.map((b) => b.repo))]);
  const ready = agents.filter((a) => a.healthy && isLive(a, nowMs) && a.capacity !== 0);
  for (const b of queued) {
    const reason = waitingReason(labels.get(b.repo) ?? {}, ready);
    if (reason) reasons.set(b.id, reason);
  }
  return reasons;
}

function waitingReason(wanted: Record<string, string>, ready: readonly AgentRecord[]): string | undefined {
  if (ready.length === 0) return 'no healthy agent is running';
  if (ready.some((a) => missingLabels(wanted, a.labels).length === 0)) return undefined;
  const words = Object.keys(wanted)
    .sort()
    .map((k) => `${k}=${wanted[k]}`);
  return `no agent offers ${words.join(', ')}`;
}
