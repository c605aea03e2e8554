import { describe, expect, it } from 'vitest';
import { uniq } from '../helpers/config.js';
import { BASE, docker, dockerEngine, memoryLog } from './helpers.js';

/** The run's labels on the real engine, and removal by owner or by run, never of another run. */
describe('containers left by runs', () => {
  it('carry their run\'s labels; containerRuns lists them; removeLeftovers takes exactly those of the given runs', async () => {
    const engine = dockerEngine();
    const id = uniq();
    const owner = `agent:left-${id}`;
    const other = `agent:live-${id}`;
    const runs = [
      { owner, build: `b1-${id}`, attempt: 1 },
      { owner: other, build: `b2-${id}`, attempt: 1 },
      // The next attempt of b2, on a process of another name: a live run a take-back of attempt 1 must spare.
      { owner: `agent:next-${id}`, build: `b2-${id}`, attempt: 2 },
    ];
    const aborts = runs.map(() => new AbortController());
    const running = runs.map((run, i) =>
      engine.forRun(run).run({ image: BASE, command: 'sleep 120', log: memoryLog(), signal: aborts[i]?.signal }).catch((err: unknown) => err),
    );
    const labelled = async (): Promise<Record<string, string>[]> =>
      (await docker.listContainers({ all: true, filters: { label: [`io.github.roger.build`] } }))
        .map((c) => c.Labels)
        .filter((l) => l['io.github.roger.build']?.endsWith(id));
    try {
      for (const end = Date.now() + 60_000; (await labelled()).length < 3; ) {
        if (Date.now() > end) throw new Error(`the three containers did not start: ${JSON.stringify(await Promise.all(running.map((r) => Promise.race([r, 'running']))))}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect((await labelled()).map((l) => [l['io.github.roger.owner'], l['io.github.roger.build'], l['io.github.roger.attempt'], l['io.github.roger.engine']]).sort()).toEqual(
        runs.map((r) => [r.owner, r.build, String(r.attempt), 'true']).sort(),
      );

      const listed = (await engine.containerRuns()).filter((r) => r.build.endsWith(id));
      expect(listed.sort((a, b) => a.owner.localeCompare(b.owner))).toEqual([...runs].sort((a, b) => a.owner.localeCompare(b.owner)));
      // A run named with an owner matches only that owner's containers.
      expect(await engine.removeLeftovers([{ build: `b2-${id}`, attempt: 1, owner }])).toEqual([]);

      const withOwner = await engine.removeLeftovers([{ owner, build: `b1-${id}`, attempt: 1 }]);
      expect(withOwner.map((c) => [c.owner, c.build])).toEqual([[owner, `b1-${id}`]]);
      const byRun = await engine.removeLeftovers([{ build: `b2-${id}`, attempt: 1 }]);
      expect(byRun.map((c) => [c.owner, c.build])).toEqual([[other, `b2-${id}`]]);
      expect((await labelled()).map((l) => l['io.github.roger.owner'])).toEqual([`agent:next-${id}`]);
      // Nothing matches twice.
      expect(await engine.removeLeftovers([{ owner, build: `b1-${id}`, attempt: 1 }])).toEqual([]);
    } finally {
      for (const a of aborts) a.abort();
      await Promise.all(running);
    }
    expect(await labelled()).toEqual([]);
  }, 120_000);
});
