import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uniq } from '../helpers/config.js';
import { addBranches, makeBareRepo } from '../helpers/fixture-repo.js';
import { builds, clusterConfig, readCalls, startAgent, type AgentProcess, type EngineCall } from '../helpers/lease-cluster.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { getJson, startServer, waitFor, type ServerProcess } from '../helpers/server.js';

const PG = process.env.ROGER_TEST_PG;
// 500 in a dedicated run (ROGER_SOAK_BUILDS=500); fewer by default so the suite stays fast on a busy machine.
const BUILDS = Number(process.env.ROGER_SOAK_BUILDS ?? 100);
const AGENTS = 4;
const KILLS = 4;

/**
 * The soak: many builds through four agent processes (fake engine) while agents are killed with
 * SIGKILL and restarted under their names. Every build must end exactly once, and the engine calls the
 * agents recorded must show no build driven by two processes at the same time.
 */
describe.skipIf(!PG)('lease soak', () => {
  it(`${BUILDS} builds over ${AGENTS} agents with random kill -9: each ends once, none runs in two processes at once`, async () => {
    const root = await mkdtemp(join(tmpdir(), 'roger-soak-'));
    const db = await createTestDatabase(PG ?? '', 'roger_lease');
    let server: ServerProcess | undefined;
    const agents: AgentProcess[] = [];
    /** When each killed process died: its calls end there at the latest. */
    const killedAt = new Map<number, number>();
    try {
      const name = `soak-${uniq()}`;
      const bare = await makeBareRepo(root, name, { Dockerfile: 'FROM 127.0.0.1:5000/busybox:latest\n', 'build.yml': `${name}: {}\n` });
      // A branch each: builds of one branch run one at a time and supersede each other.
      await addBranches(bare.dir, Array.from({ length: BUILDS }, (_, i) => `soak-${i}`), bare.sha);
      const repo = `file://${bare.dir}`;
      server = await startServer(clusterConfig({ url: db.url, name: `srv-${uniq()}`, concurrent: 0 }));
      const configs = Array.from({ length: AGENTS }, (_, i) =>
        clusterConfig({ url: db.url, name: `soak-${i}`, concurrent: 4, leaseSeconds: 30, delayMs: 30, record: join(root, `agent-${i}.jsonl`) }),
      );
      agents.push(...(await Promise.all(configs.map((c) => startAgent(c)))));
      const ids: string[] = [];
      const refused: { status: number; body: unknown }[] = [];
      for (let i = 0; i < BUILDS; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(50, BUILDS - i) }, (_, k) =>
            getJson<{ id: string }>(`${server!.url}/api/build?repo=${encodeURIComponent(repo)}&branch=soak-${i + k}`),
          ),
        );
        // Every request is answered with its build; an answer without one would hide a build from the check below.
        refused.push(...batch.filter((b) => b.status !== 202));
        ids.push(...batch.map((b) => b.body.id));
      }
      for (let k = 0; k < KILLS; k++) {
        await new Promise((r) => setTimeout(r, 1000 + Math.random() * 2000));
        const i = Math.floor(Math.random() * AGENTS);
        const victim = agents[i]!;
        await victim.kill9();
        killedAt.set(victim.pid, Date.now());
        // Restarted under the same name: it takes its builds back at once.
        agents[i] = await startAgent(configs[i]!);
      }
      const rows = await waitFor(
        async () => {
          const all = await builds(db.url);
          return all.length === BUILDS && all.every((b) => ['passed', 'failed'].includes(b.status)) ? all : undefined;
        },
        180_000,
        'every build to end',
      );
      expect(new Set(rows.map((b) => b.id)), `answers other than 202: ${JSON.stringify(refused)}`).toEqual(new Set(ids));
      // A build fails only when it was lost twice (or after it began pushing); never for another reason.
      for (const b of rows.filter((r) => r.status === 'failed')) expect(b.error).toMatch(/^lost: agent soak-\d stopped responding/);
      const calls = configs.flatMap((_, i) => readCalls(join(root, `agent-${i}.jsonl`)));
      const byBuild = new Map<string, EngineCall[]>();
      for (const c of calls) byBuild.set(c.build, [...(byBuild.get(c.build) ?? []), c]);
      let overlaps = 0;
      for (const b of rows) {
        const mine = byBuild.get(b.id) ?? [];
        // Passed builds pushed exactly once; no build pushed twice.
        const pushes = mine.filter((c) => c.method === 'push' && c.phase === 'start').length;
        if (b.status === 'passed') expect(pushes, `pushes of ${b.id}`).toBe(1);
        else expect(pushes).toBeLessThanOrEqual(1);
        // Each process's span of engine calls for this build; a killed one's ends at its death.
        const spans = [...new Set(mine.map((c) => c.pid))].map((pid) => {
          const ts = mine.filter((c) => c.pid === pid).map((c) => c.t);
          return { pid, from: Math.min(...ts), to: killedAt.get(pid) ?? Math.max(...ts) };
        });
        for (const a of spans) for (const o of spans) if (a.pid !== o.pid && a.from < o.to && o.from < a.to) overlaps++;
      }
      expect(overlaps).toBe(0);
      console.log(
        `soak: ${rows.filter((r) => r.status === 'passed').length} passed, ${rows.filter((r) => r.status === 'failed').length} failed lost, ` +
          `${rows.filter((r) => r.attempt === 2).length} ran as attempt 2, ${killedAt.size} kills`,
      );
    } finally {
      for (const a of agents) await a.kill9();
      await server?.kill9();
      await db.drop();
      await rm(root, { recursive: true, force: true });
    }
  }, 300_000);
});
