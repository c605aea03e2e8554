/**
 * Log-follower benchmark (issue 12, item 9), against `bin/roger serve` with the real engine:
 *  1. the server's RSS after 1,000 follow attempts beyond the caps (all refused with 429), with the
 *     refusals' latency and the API's latency meanwhile;
 *  2. the server's RSS with 100 clients (5 addresses x 20) following a running build's log live.
 * Usage: npx tsx bench/followers.ts   (needs `npm run build`, scripts/services.sh)
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBareRepo } from '../test/helpers/fixture-repo.js';
import { openFollow, type OpenFollow } from '../test/hardening/follow-client.js';
import { getJson, readUntil, startServer } from '../test/helpers/server.js';
import { median, percentile } from './lib.js';

const BASE = '127.0.0.1:5000/busybox:latest';
const work = mkdtempSync(join(tmpdir(), 'roger-bench-followers-'));

const status = (pid: number, key: string): number => {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const name = `bench-followers-${Date.now().toString(36)}`;
const { dir } = await makeBareRepo(work, name, {
  // A line every half second for 40 s: a build worth following.
  Dockerfile: `FROM ${BASE}\nRUN i=0; while [ $i -lt 80 ]; do echo tick-$i; i=$((i+1)); sleep 0.5; done\n`,
  'build.yml': `${name}: {}\n`,
});
const config = join(work, 'config.yml');
writeFileSync(config, `paths:\n  builds: ${join(work, 'data')}\nbuilds:\n  concurrent: 1\n  allowedSchemes: [file]\n`);
const server = await startServer(config);
const pid = server.proc.pid ?? 0;
try {
  await sleep(1000);
  console.log(`idle RSS ${status(pid, 'VmRSS').toFixed(0)} MB`);
  const id = (await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(`file://${dir}`)}&branch=master`)).body.id;
  const logUrl = `${server.url}/api/builds/${id}/log`;
  await readUntil(logUrl, 'tick-1', 120_000);

  // 1. 20 follows from 127.0.0.1 fill its share; 1,000 more from it, 50 in flight, are refused.
  const held: OpenFollow[] = [];
  for (let i = 0; i < 20; i++) held.push(await openFollow(logUrl));
  let probing = true;
  const api: number[] = [];
  const probe = (async () => {
    while (probing) {
      const t = performance.now();
      await getJson(`${server.url}/api/builds?limit=1`);
      api.push(performance.now() - t);
      await sleep(10);
    }
  })();
  const refusals: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < 1000) {
        next++;
        const t = performance.now();
        const f = await openFollow(logUrl);
        refusals.push(performance.now() - t);
        statuses.set(f.status, (statuses.get(f.status) ?? 0) + 1);
        f.close();
      }
    }),
  );
  probing = false;
  await probe;
  console.log(`1,000 follow attempts beyond the cap: ${JSON.stringify(Object.fromEntries(statuses))}; answer p50 ${median(refusals).toFixed(1)} ms p99 ${percentile(refusals, 99).toFixed(1)} ms`);
  console.log(`GET /api/builds meanwhile: p50 ${median(api).toFixed(1)} ms p99 ${percentile(api, 99).toFixed(1)} ms (${api.length} requests)`);
  console.log(`RSS after 1,000 refused follow attempts: ${status(pid, 'VmRSS').toFixed(0)} MB, peak ${status(pid, 'VmHWM').toFixed(0)} MB (target < 150 MB)`);
  for (const f of held) f.close();
  await sleep(500);

  // 2. 100 live followers from five addresses.
  const live: { f: OpenFollow; bytes: number; ended: boolean }[] = [];
  for (let a = 2; a <= 6; a++) {
    for (let i = 0; i < 20; i++) {
      const f = await openFollow(logUrl, `127.0.0.${a}`);
      if (f.status !== 200) throw new Error(`follow refused: ${f.status} ${f.message}`);
      const entry = { f, bytes: 0, ended: false };
      f.res.on('data', (d: Buffer) => (entry.bytes += d.length));
      f.res.on('end', () => (entry.ended = true));
      live.push(entry);
    }
  }
  await sleep(1000);
  const before = live.map((l) => l.bytes);
  await sleep(4000);
  const grew = live.filter((l, i) => l.bytes > (before[i] ?? 0)).length;
  console.log(`RSS with 100 clients following a running build: ${status(pid, 'VmRSS').toFixed(0)} MB (${grew}/100 received new lines in the last 4 s)`);
  for (const l of live) l.f.close();
  await fetch(`${server.url}/api/builds/${id}/cancel`, { method: 'POST' });
} finally {
  console.log(`server exit code ${await server.stop()}`);
}
