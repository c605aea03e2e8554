import { ListStatus } from '../components/Notice';
import { TimeAgo } from '../components/Time';
import { api } from '../lib/api';
import { useNow, usePolled, useTitle } from '../lib/hooks';
import type { Agent } from '../lib/types';

/** An agent's state in a word, as a badge the status colours already mean: healthy, unhealthy or gone. */
function AgentState({ agent }: { agent: Agent }) {
  const [word, tone, title] = agent.healthy
    ? ['healthy', 'passed', 'Heartbeat recent, its Docker engine answers']
    : agent.live
      ? ['unhealthy', 'failed', agent.problem ?? 'Its Docker engine does not answer']
      : ['gone', 'canceled', 'No heartbeat lately'];
  return (
    <span className={`badge badge-${tone}`} data-agent-state={word} title={title}>
      {word}
    </span>
  );
}

export function AgentsPage() {
  const now = useNow(5000);
  // Heartbeats come every few seconds; the page follows at about that pace.
  const agents = usePolled('agents', (signal) => api.agents(signal), () => 5000);
  useTitle('Agents');
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Agents</h1>
          <p className="muted page-sub">The processes that run builds, each on its own Docker engine</p>
        </div>
      </div>
      <ListStatus
        resource={agents}
        what="agents"
        empty={
          <>
            <h2>No agents yet</h2>
            <p>
              An agent appears once it starts: <code>roger agent --config FILE</code>, or <code>roger serve</code> with <code>builds.local</code> on.
            </p>
          </>
        }
      />
      {agents.data && agents.data.length > 0 && (
        <div className="card table-card">
          <table className="table agents-table">
            <caption className="visually-hidden">Agents, their labels and load</caption>
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">State</th>
                <th scope="col">Labels</th>
                <th scope="col">Running</th>
                <th scope="col" title="Runs taken back because their lease ran out">Expired leases</th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">Version</th>
              </tr>
            </thead>
            <tbody>
              {agents.data.map((a) => (
                <tr key={a.name} data-agent={a.name}>
                  <td data-label="Agent" className="strong mono">
                    {a.name}
                  </td>
                  <td data-label="State">
                    <AgentState agent={a} />
                    {a.problem && a.live && !a.healthy && <span className="sub break">{a.problem}</span>}
                  </td>
                  <td data-label="Labels">
                    {Object.keys(a.labels).length === 0 ? (
                      <span className="muted">none</span>
                    ) : (
                      Object.entries(a.labels).map(([k, v]) => (
                        <span key={k} className="chip mono" data-label-pair={`${k}=${v}`}>
                          {k}={v}
                        </span>
                      ))
                    )}
                  </td>
                  <td data-label="Running" data-running={a.running}>
                    {a.running} / {a.capacity ?? '∞'}
                  </td>
                  <td data-label="Expired leases" data-expiries={a.lease_expiries}>
                    {a.lease_expiries}
                  </td>
                  <td data-label="Last heartbeat">
                    <TimeAgo iso={a.last_heartbeat} now={now} />
                  </td>
                  <td data-label="Version" className="mono">
                    {a.version}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
