import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { clusterConfig, getLeaseBuild, LeaseCluster, type AgentProcess, type LeaseBuild } from '../helpers/lease-cluster.js';
import { BASE } from '../helpers/pipeline.js';
import { getJson, waitFor, type ServerProcess } from '../helpers/server.js';

const PG = process.env.ROGER_TEST_PG;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/** Containers (any state) the process `owner` labelled as its own, with their run's labels. */
async function containersOf(owner: string): Promise<{ id: string; build: string | undefined; attempt: string | undefined }[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`io.github.roger.owner=${owner}`] } });
  return list.map((c) => ({ id: c.Id, build: c.Labels['io.github.roger.build'], attempt: c.Labels['io.github.roger.attempt'] }));
}

async function exists(id: string): Promise<boolean> {
  return docker
    .getContainer(id)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/**
 * A process killed with -9 mid-build leaves its containers running on its engine (here an after-build
 * hook that sleeps). Real `bin/roger` processes on the real engine and Postgres: the containers are
 * removed when the process restarts, or when another process on the same engine takes the build back.
 */
describe.skipIf(!PG)('containers left by a killed agent', () => {
  let root: string;
  let repo: string;
  // SIGTERM: a run still going is aborted after shutdownGrace, and its containers removed.
  const lc = new LeaseCluster('stop');
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roger-lease-containers-'));
    const name = `leftover-${uniq()}`;
    // Long enough to be seen running and killed mid-way; short enough for the second attempt to pass.
    const bare = await makeBareRepo(root, name, { Dockerfile: `FROM ${BASE}\n`, 'build.yml': `${name}:\n  after-build: ["sleep 20"]\n` });
    repo = `file://${bare.dir}`;
  });
  afterAll(async () => {
    await lc.close();
    await rm(root, { recursive: true, force: true });
  });

  const cluster = () => lc.server({ leaseSeconds: 15, real: true });
  const agent = (configFile: string) => lc.agent(configFile);
  const queue = async (server: ServerProcess): Promise<string> =>
    (await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(repo)}&branch=master`)).body.id;
  const get = getLeaseBuild;
  const passed = (server: ServerProcess, id: string, what: string): Promise<LeaseBuild> =>
    waitFor(async () => {
      const b = await get(server, id);
      return ['passed', 'failed', 'canceled'].includes(b.status) ? b : undefined;
    }, 180_000, what);

  /** Waits for the hook's container of `owner`'s run of `id`, kills the agent, and returns the container. */
  async function killMidHook(doomed: AgentProcess, owner: string, id: string): Promise<string> {
    const [hook] = await waitFor(async () => {
      const mine = await containersOf(owner);
      return mine.length > 0 ? mine : undefined;
    }, 120_000, `the after-build container of ${owner}`);
    expect(hook).toMatchObject({ build: id, attempt: '1' });
    await doomed.kill9();
    // Nothing in a killed process removes it: it is still there.
    expect(await exists(hook?.id ?? '')).toBe(true);
    return hook?.id ?? '';
  }

  it('are removed when the agent restarts under its name; the build runs again and passes', async () => {
    const { server, url } = await cluster();
    const name = `restart-${uniq()}`;
    // An hour-long lease: only the restart takes the build back.
    const config = clusterConfig({ url, name, concurrent: 1, leaseSeconds: 3600, real: true });
    const first = await agent(config);
    const id = await queue(server);
    const left = await killMidHook(first, `agent:${name}`, id);
    const again = await agent(config);
    // It says it runs only after the removal: no waiting needed.
    expect(await exists(left)).toBe(false);
    expect(again.output()).toContain(`removed 1 container(s) left by stopped runs: ${left.slice(0, 12)} (build ${id}, agent:${name})`);
    const build = await passed(server, id, 'the restarted agent to run the build again');
    expect(build).toMatchObject({ status: 'passed', attempt: 2, lease_owner: `agent:${name}` });
  }, 300_000);

  it('are removed by another process on the engine that takes the build back; the build completes there', async () => {
    const { server, url } = await cluster();
    const name = `doomed-${uniq()}`;
    const doomed = await agent(clusterConfig({ url, name, concurrent: 1, leaseSeconds: 3, real: true }));
    const id = await queue(server);
    await waitFor(async () => (await get(server, id)).lease_owner === `agent:${name}`, 60_000, 'the first agent to claim the build');
    const survivor = `survivor-${uniq()}`;
    const other = await agent(clusterConfig({ url, name: survivor, concurrent: 1, leaseSeconds: 15, real: true }));
    const left = await killMidHook(doomed, `agent:${name}`, id);
    // Whichever reclaims first (the survivor or the server, both on this engine) removes it.
    await waitFor(async () => !(await exists(left)), 60_000, 'the dead agent\'s container to be removed');
    const said = `${other.output()}\n${server.output()}`;
    expect(said).toContain(`left by runs taken back: ${left.slice(0, 12)} (build ${id}, agent:${name})`);
    const build = await passed(server, id, 'the build to complete on the survivor');
    // The survivor's own run (attempt 2, same build) was never taken for a leftover.
    expect(build).toMatchObject({ status: 'passed', attempt: 2, lease_owner: `agent:${survivor}` });
    expect(await containersOf(`agent:${name}`)).toEqual([]);
  }, 300_000);

  it('are removed when another process on the engine starts, after a process elsewhere took the build back', async () => {
    // The server drives another engine (one that does not answer): its take-back cannot reach the containers.
    const elsewhere = `docker:\n  client:\n    socketPath: ${join(root, 'no-engine.sock')}\n`;
    const { url, server } = await lc.server({ leaseSeconds: 15, real: true, extra: elsewhere });
    const name = `gone-${uniq()}`;
    const doomed = await agent(clusterConfig({ url, name, concurrent: 1, leaseSeconds: 3, real: true }));
    const id = await queue(server);
    const left = await killMidHook(doomed, `agent:${name}`, id);
    await waitFor(async () => (await get(server, id)).status === 'queued', 60_000, 'the server to take the build back');
    expect(server.output()).toContain('could not remove the containers left by runs taken back');
    expect(await exists(left)).toBe(true);
    // A newcomer on the dead agent's engine: the Store says that run is over, so its container goes.
    const newcomer = `new-${uniq()}`;
    const started = await agent(clusterConfig({ url, name: newcomer, concurrent: 1, leaseSeconds: 15, real: true }));
    expect(await exists(left)).toBe(false);
    expect(started.output()).toContain(`removed 1 container(s) left by stopped runs: ${left.slice(0, 12)} (build ${id}, agent:${name})`);
    const build = await passed(server, id, 'the newcomer to run the build');
    expect(build).toMatchObject({ status: 'passed', attempt: 2, lease_owner: `agent:${newcomer}` });
  }, 300_000);
});
