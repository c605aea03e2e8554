import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniq, writeConfig } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { BASE, inRegistry } from '../helpers/pipeline.js';
import { getJson, startServer, waitFor, type ServerProcess } from '../helpers/server.js';
import { ensureBuilt, openBrowser } from '../web/browser.js';
import { engine, FINISHED, freshDatabase, getAgents, getBuild, PG, queue, startAgent, type AgentProcess, type ApiBuild } from './fleet.js';

/**
 * The server API-only (`builds.local: false`) and two agents, each on its own Docker engine: the main
 * one, and the second engine of scripts/second-engine.sh with `pool: big`.
 */
describe.skipIf(!PG)('agents on two Docker engines', () => {
  let server: ServerProcess;
  let small: AgentProcess;
  let big: AgentProcess;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let root: string;
  const tag = uniq();
  const SMALL = `small-${tag}`;
  let passedId = '';
  const BIG = `big-${tag}`;
  const finished = (id: string): Promise<ApiBuild> =>
    waitFor(async () => {
      const b = await getBuild(server.url, id);
      return FINISHED.includes(b.status) ? b : undefined;
    }, 120_000, `build ${id} to finish (small: ${small.output().slice(-2000)}\nbig: ${big.output().slice(-2000)})`);

  beforeAll(async () => {
    await ensureBuilt();
    const socket = await engine('start', 'engine2');
    db = await freshDatabase();
    root = await mkdtemp(join(tmpdir(), 'roger-fleet-'));
    server = await startServer(writeConfig(`database:\n  url: ${db.url}\nbuilds:\n  local: false\n  allowedSchemes: [file]\n`).file);
    small = startAgent(db.url, { name: SMALL });
    big = startAgent(db.url, { name: BIG, labels: { pool: 'big' }, socket });
    await waitFor(async () => (await getAgents(server.url)).filter((a) => a.healthy).length === 2, 60_000, 'both agents to report healthy');
  });

  afterAll(async () => {
    await Promise.all([small?.stop(), big?.stop()]);
    if (server) await server.stop();
    await db?.drop();
  });

  it('lists both agents, and the API-only server is none of them', async () => {
    const agents = await getAgents(server.url);
    expect(agents.map((a) => [a.name, a.labels, a.healthy, a.live])).toEqual([
      [BIG, { pool: 'big' }, true, true],
      [SMALL, {}, true, true],
    ]);
  });

  it('spreads builds over both engines, and each lands in the registry', async () => {
    // Each build holds its agent's slot for seconds: with two slots per agent, four builds need both.
    const names = [0, 1, 2, 3].map((i) => `fleet-${tag}-${i}`);
    const repos = await Promise.all(
      names.map(async (n) => `file://${(await makeBareRepo(root, n, { Dockerfile: `FROM ${BASE}\nRUN echo ${n} && sleep 6\n`, 'build.yml': `${n}: {}\n` })).dir}`),
    );
    const ids = await Promise.all(repos.map((r) => queue(server.url, r, true)));
    const builds = await Promise.all(ids.map(finished));
    expect(builds.map((b) => b.status), JSON.stringify(builds)).toEqual(['passed', 'passed', 'passed', 'passed']);
    expect(new Set(builds.map((b) => b.agent))).toEqual(new Set([SMALL, BIG]));
    passedId = ids[0] ?? '';
    for (const n of names) expect(await inRegistry(n, 'latest')).toBe(true);
  });

  it('runs a build asking for pool=big only on the agent offering it, whoever claimed it first', async () => {
    const n = `fleet-${tag}-big`;
    const repo = `file://${(await makeBareRepo(root, n, { Dockerfile: `FROM ${BASE}\nRUN echo on-big\n`, 'build.yml': `${n}:\n  agent: { pool: big }\n` })).dir}`;
    for (let i = 0; i < 2; i++) {
      const b = await finished(await queue(server.url, repo, true));
      expect(b.status, b.error ?? '').toBe('passed');
      expect(b.agent).toBe(BIG);
    }
    expect(await inRegistry(n, 'latest')).toBe(true);
  });

  it('keeps a build asking for a label no agent offers queued, and says why', async () => {
    const n = `fleet-${tag}-gpu`;
    const repo = `file://${(await makeBareRepo(root, n, { Dockerfile: `FROM ${BASE}\nRUN echo never\n`, 'build.yml': `${n}:\n  agent: { pool: gpu }\n` })).dir}`;
    const id = await queue(server.url, repo);
    // The first checkout teaches the labels; from then on the build waits, and says so.
    const waiting = await waitFor(async () => {
      const b = await getBuild(server.url, id);
      return b.waiting ? b : undefined;
    }, 60_000, 'the build to say why it waits');
    expect(waiting).toMatchObject({ status: 'queued', agent: null, waiting: 'no agent offers pool=gpu' });
    const listed = (await getJson<{ builds: ApiBuild[] }>(`${server.url}/api/builds?status=queued&limit=50`)).body.builds.find((b) => b.id === id);
    expect(listed?.waiting).toBe('no agent offers pool=gpu');
    expect((await getBuild(server.url, id)).status).toBe('queued');
    await getJson(`${server.url}/api/builds/${id}/cancel`, { method: 'POST' });
  });

  it('shows the agents, and which agent ran a build, in Chromium', async () => {
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(`${server.url}/`);
      await page.getByRole('link', { name: 'Agents' }).click();
      await page.getByRole('heading', { name: 'Agents' }).waitFor();
      const bigRow = page.locator(`tr[data-agent="${BIG}"]`);
      await bigRow.locator('[data-agent-state="healthy"]').waitFor();
      expect(await bigRow.locator('[data-label-pair]').allTextContents()).toEqual(['pool=big']);
      // No run of the big agent was ever taken back.
      expect(await bigRow.locator('[data-expiries]').textContent()).toBe('0');
      await page.locator(`tr[data-agent="${SMALL}"] [data-agent-state="healthy"]`).waitFor();
      // A build of the spreading test above: the page names the agent that ran it.
      const ran = await getBuild(server.url, passedId);
      expect(ran.agent).toMatch(/^(small|big)-/);
      await page.goto(`${server.url}/builds/${ran.id}`);
      await page.getByTestId('build-agent').waitFor();
      expect(await page.getByTestId('build-agent').textContent()).toBe(ran.agent);
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
