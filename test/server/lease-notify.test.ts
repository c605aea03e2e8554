import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uniq } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { builds, clusterConfig, startAgent, type AgentProcess } from '../helpers/lease-cluster.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { getJson, startServer, waitFor, type ServerProcess } from '../helpers/server.js';
import { Receiver } from '../notify/harness.js';

const PG = process.env.ROGER_TEST_PG;

interface Attempt {
  notifier: string;
  event: string;
  ok: boolean;
}

/**
 * A build failed `lost` by a take-back notifies like any finished build, once, although every process
 * of the cluster (the server and two agents, all with the same global webhook) tries to take it back
 * every second; and it tells the notifiers its project's build.yml lists, which the process taking it
 * back never read. Real `bin/roger` processes on Postgres with the fake engine; a real HTTP receiver.
 */
describe.skipIf(!PG)('a build failed lost by a take-back', () => {
  it('sends one failure notification per notifier, global or listed in build.yml, from the process whose take-back won', async () => {
    const db = await createTestDatabase(PG ?? '', 'roger_lease');
    const root = await mkdtemp(join(tmpdir(), 'roger-lease-notify-'));
    const receiver = await new Receiver().start();
    const procs: (AgentProcess | ServerProcess)[] = [];
    try {
      const name = `lostnotify-${uniq()}`;
      const repo = `file://${(await makeBareRepo(root, name, { Dockerfile: 'FROM 127.0.0.1:5000/busybox:latest\n', 'build.yml': `${name}:\n  notify: [slack]\n` })).dir}`;
      const extra = `notifications:\n  webhook:\n    url: ${receiver.url}/hook\n    global: true\n  slack:\n    url: ${receiver.url}/slack\n`;
      // Short leases: every process looks for expired ones every second, so they race for it.
      const config = (n: string, concurrent: number, delayMs = 0): string => clusterConfig({ url: db.url, name: n, concurrent, leaseSeconds: 3, delayMs, extra });
      const server = await startServer(config(`srv-${uniq()}`, 0));
      procs.push(server);
      const doomedName = `doomed-${uniq()}`;
      // Each engine step takes 8 s, so the build is seen pushing (it cannot run again) before it ends.
      const doomed = await startAgent(config(doomedName, 1, 8000));
      procs.push(doomed);
      const id = (await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(repo)}&branch=master`)).body.id;
      await waitFor(async () => (await builds(db.url)).some((b) => b.id === id && b.lease_owner === `agent:${doomedName}`), 90_000, 'the agent to claim the build');
      // Started once the build is claimed (or they would take it), they race the server to take it back.
      for (const n of ['x', 'y']) procs.push(await startAgent(config(`${n}-${uniq()}`, 1)));
      await waitFor(async () => (await builds(db.url)).some((b) => b.id === id && b.pushed === 1), 90_000, 'the build to start pushing');
      await doomed.kill9();

      const lost = `lost: agent ${doomedName} stopped responding`;
      const sent = await waitFor(async () => (receiver.requests.length >= 2 ? receiver.requests : undefined), 90_000, 'the failure notifications');
      const hook = sent.find((r) => r.path === '/hook');
      expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({ id, status: 'failed', error: lost });
      expect(hook?.headers['x-roger-event']).toBe('build.failed');
      // Slack is in no config.yml list of globals: only the build.yml the lost run read names it.
      expect(sent.find((r) => r.path === '/slack')?.body).toContain(`BUILD FAILED: ${lost}`);
      // Every process has tried to take builds back several times since: still one notification each.
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      expect(receiver.requests.map((r) => r.path).sort()).toEqual(['/hook', '/slack']);
      const { body } = await getJson<{ notifications: Attempt[] }>(`${server.url}/api/builds/${id}/notifications`);
      expect(body.notifications.map((n) => [n.notifier, n.event, n.ok]).sort()).toEqual([
        ['slack', 'finished', true],
        ['webhook', 'finished', true],
      ]);
      expect(await builds(db.url)).toEqual([expect.objectContaining({ id, status: 'failed', error: lost })]);
      const log = await (await fetch(`${server.url}/api/builds/${id}/log`)).text();
      expect(log).toContain(`FAILED: ${lost}`);
      expect(log).toContain('Notified webhook (');
    } finally {
      for (const p of procs.reverse()) await p.kill9().catch(() => undefined);
      await receiver.close();
      await db.drop();
      await rm(root, { recursive: true, force: true });
    }
  }, 240_000);
});
