import { describe, expect, it } from 'vitest';
import type { SqlBackend } from '../../src/store/backend.js';
import { seedBuilds } from '../helpers/seed-builds.js';
import { backendCases, useStore } from './backends.js';

const QUEUED = 10_000;
const CLAIMS = 40;

/** The builds queued, one a millisecond, each placed in a repository and branch by `place`. */
async function seed(backend: SqlBackend, place: (i: number) => { repo: string; branch: string }): Promise<void> {
  await seedBuilds(backend, QUEUED, (i) => {
    const at = new Date(Date.UTC(2024, 0, 1) + i).toISOString();
    const { repo, branch } = place(i);
    return { project: `${repo}__app`, repo, branch, status: 'queued', created_at: at, updated_at: at };
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Claims CLAIMS builds one after another (each stays running, so the running set grows); their times in ms. */
async function timeClaims(claim: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < CLAIMS; i++) {
    const t = performance.now();
    expect(await claim()).toBeDefined();
    times.push(performance.now() - t);
  }
  return times;
}

describe.each(backendCases)('claim order with 10,000 queued builds ($name)', (c) => {
  const ctx = useStore(c);

  it('stays fast with many repositories', async () => {
    const { backend, store } = ctx();
    await seed(backend, (i) => ({ repo: `https://git.example/r${i % 100}`, branch: `b${Math.floor(i / 100)}` }));
    const times = await timeClaims(() => store.claimNext(null));
    console.log(`[${c.name}] 100 repositories, 10,000 queued: median claim ${median(times).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms`);
    // Generous, for a loaded machine: it catches a claim gone quadratic; the figure printed is what to watch.
    expect(median(times)).toBeLessThan(1000);
  });

  it('stays fast when one repository queued them all on as many branches, and still starts another repository next', async () => {
    const { backend, store } = ctx();
    await seed(backend, (i) => ({ repo: 'https://git.example/big', branch: `b${i}` }));
    const times = await timeClaims(() => store.claimNext(null));
    console.log(`[${c.name}] one repository, 10,000 queued: median claim ${median(times).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms`);
    expect(median(times)).toBeLessThan(1000);
    const other = await store.createBuild({ repo: 'https://git.example/small', branch: 'main', trigger: 'api', options: {} });
    expect((await store.claimNext(null))?.id).toBe(other.build.id);
  });
});
