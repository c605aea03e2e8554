import type { AgentRecord, AgentView, Labels } from '../../core/agent.js';
import type { SqlBackend } from '../backend.js';
import type { AgentRow } from '../schema.js';

/** Records an agent's heartbeat: inserts it the first time, else replaces what it reported before. */
export async function recordAgent(backend: SqlBackend, a: AgentRecord): Promise<void> {
  const row = {
    name: a.name,
    labels: JSON.stringify(a.labels),
    capacity: a.capacity,
    running: a.running,
    version: a.version,
    healthy: a.healthy ? 1 : 0,
    problem: a.problem,
    started_at: a.startedAt,
    last_heartbeat: a.lastHeartbeat,
  };
  const { name: _name, ...changes } = row;
  await backend.db.insertInto('agents').values(row).onConflict((oc) => oc.column('name').doUpdateSet(changes)).execute();
}

/** Every agent that ever reported, by name. */
export async function listAgents(backend: SqlBackend): Promise<AgentView[]> {
  const rows = await backend.db.selectFrom('agents').selectAll().orderBy('name').execute();
  return rows.map(toAgentRecord);
}

function toAgentRecord(row: AgentRow): AgentView {
  return {
    name: row.name,
    labels: parseLabels(row.labels),
    capacity: row.capacity,
    running: row.running,
    version: row.version,
    healthy: row.healthy === 1,
    problem: row.problem,
    startedAt: row.started_at,
    lastHeartbeat: row.last_heartbeat,
    leaseExpiries: row.lease_expiries,
  };
}

/** Labels were validated before they were stored; a damaged value must not hide the agent. */
function parseLabels(text: string): Labels {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}
