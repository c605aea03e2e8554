import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniq } from '../helpers/config.js';
import { addBranches, makeBareRepo } from '../helpers/fixture-repo.js';
import { builds, clusterConfig, getLeaseBuild, LeaseCluster, readCalls, type LeaseBuild } from '../helpers/lease-cluster.js';
import { getJson, startServer, waitFor, type ServerProcess } from '../helpers/server.js';

const PG = process.env.ROGER_TEST_PG;

/**
 * Faults of the scale-out setup with real processes (`bin/roger serve` and `bin/roger agent`) on a
 * real Postgres; the agents use the fake engine (no Docker), which records their engine calls.
 */
describe.skipIf(!PG)('leases: builds survive processes that die', () => {
  let root: string;
  let repo: string;
  let branches = 0;
  const lc = new LeaseCluster('kill9');
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roger-leases-'));
    const name = `lease-${uniq()}`;
    const bare = await makeBareRepo(root, name, { Dockerfile: 'FROM 127.0.0.1:5000/busybox:latest\n', 'build.yml': `${name}: {}\n` });
    // A branch a build: builds of one branch run one at a time and supersede each other.
    await addBranches(bare.dir, Array.from({ length: 50 }, (_, i) => `b${i}`), bare.sha);
    repo = `file://${bare.dir}`;
  });
  afterAll(async () => {
    await lc.close();
    await rm(root, { recursive: true, force: true });
  });

  const cluster = () => lc.server({ leaseSeconds: 15 });
  const agent = (configFile: string) => lc.agent(configFile);
  const queue = async (server: ServerProcess): Promise<string> =>
    (await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(repo)}&branch=b${branches++}`)).body.id;
  const get = getLeaseBuild;
  const finished = (server: ServerProcess, id: string, what: string): Promise<LeaseBuild> =>
    waitFor(async () => {
      const b = await get(server, id);
      return ['passed', 'failed', 'canceled'].includes(b.status) ? b : undefined;
    }, 90_000, what);

  it('kill -9 of an agent mid-build: the build is re-queued as attempt 2 and completes on another agent', async () => {
    const { server, url } = await cluster();
    const dir = await mkdtemp(join(root, 'rec-'));
    const name = `a-${uniq()}`;
    // A short lease for the agent that dies; the survivor's heartbeat is what notices it expired. Each of
    // its engine calls (base image check, build, push) takes an hour: once it holds the build, it is
    // inside a step before the push until it is killed, however slowly this machine runs.
    const doomed = await agent(clusterConfig({ url, name, concurrent: 1, leaseSeconds: 3, delayMs: 3_600_000, record: join(dir, 'a.jsonl') }));
    const id = await queue(server);
    await waitFor(async () => (await get(server, id)).lease_owner === `agent:${name}`, 60_000, 'the first agent to claim the build');
    const survivorName = `b-${uniq()}`;
    await agent(clusterConfig({ url, name: survivorName, concurrent: 1, leaseSeconds: 15, delayMs: 200, record: join(dir, 'b.jsonl') }));
    await doomed.kill9();
    const build = await finished(server, id, 'the build to be taken back and run again');
    expect(build, JSON.stringify(build)).toMatchObject({ status: 'passed', attempt: 2, lease_owner: `agent:${survivorName}` });
    // The dead agent never pushed; the survivor pushed once.
    expect(readCalls(join(dir, 'a.jsonl')).filter((c) => c.method === 'push')).toEqual([]);
    expect(readCalls(join(dir, 'b.jsonl')).filter((c) => c.method === 'push' && c.phase === 'start' && c.build === id)).toHaveLength(1);
    const log = await (await fetch(`${server.url}/api/builds/${id}/log`)).text();
    expect(log).toContain('Re-queued as attempt 2');
    // The fleet sees the expiry against the agent that lost the run, whichever process took it back.
    const agents = (await getJson<{ agents: { name: string; lease_expiries: number }[] }>(`${server.url}/api/agents`)).body.agents;
    expect(agents.filter((a) => [name, survivorName].includes(a.name)).map((a) => [a.name, a.lease_expiries]).sort()).toEqual(
      [[name, 1], [survivorName, 0]].sort(),
    );
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain(`roger_agent_lease_expiries{agent="${name}"} 1`);
  }, 240_000);

  it('an agent restarted under the same name takes its build back at once, despite a long lease', async () => {
    const { server, url } = await cluster();
    const name = `same-${uniq()}`;
    const config = clusterConfig({ url, name, concurrent: 1, leaseSeconds: 3600, delayMs: 3000 });
    const first = await agent(config);
    const id = await queue(server);
    await waitFor(async () => (await get(server, id)).status === 'started', 60_000, 'the agent to claim the build');
    await first.kill9();
    await agent(config);
    // An hour-long lease: only the restart can explain the build running again.
    const build = await finished(server, id, 'the restarted agent to take the build back');
    expect(build).toMatchObject({ status: 'passed', attempt: 2, lease_owner: `agent:${name}` });
  }, 240_000);

  it('kill -9 of the server while agents run: the agents go on, and the restarted server shows every build', async () => {
    const { server, url } = await cluster();
    const dbConfig = { url };
    await agent(clusterConfig({ name: `x-${uniq()}`, concurrent: 2, delayMs: 1500, ...dbConfig }));
    await agent(clusterConfig({ name: `y-${uniq()}`, concurrent: 2, delayMs: 1500, ...dbConfig }));
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push(await queue(server));
    await waitFor(async () => (await builds(url)).some((b) => b.status === 'started'), 60_000, 'a build to start');
    await server.kill9();
    // The agents finish everything with the server gone.
    await waitFor(async () => (await builds(url)).every((b) => b.status === 'passed'), 90_000, 'the agents to finish without the server');
    const restarted = await startServer(clusterConfig({ name: `srv2-${uniq()}`, concurrent: 0, ...dbConfig }));
    lc.defer(() => restarted.stop());
    for (const id of ids) expect(await get(restarted, id)).toMatchObject({ status: 'passed', attempt: 1 });
    const { body } = await getJson<{ builds: LeaseBuild[] }>(`${restarted.url}/api/builds?limit=50`);
    expect(body.builds.map((b) => b.id).sort()).toEqual([...ids].sort());
  }, 240_000);
});

