/**
 * 1,000 signed GitHub push deliveries (distinct delivery ids and commits, spread over a few repositories)
 * posted to a real `bin/roger serve`, 50 in flight; then 100 redeliveries of ids already seen.
 * Prints latency percentiles and throughput, and checks from the database that every delivery was
 * answered and recorded exactly one build (redeliveries none).
 *
 * Builds stay queued: the repositories live on a git "server" that accepts connections and never
 * answers, so the one build the scheduler claims (builds.concurrent: 1) hangs in checkout and the rest
 * wait, and no clone or Docker work competes with the webhook handler.
 *
 * Connections are kept alive (a pool of `inFlight`); BENCH_KEEPALIVE=0 opens one per delivery, as GitHub does.
 * Usage: npx tsx bench/github-deliveries.ts [deliveries] [inFlight]     (compiles dist/ first)
 */
import { spawnSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { sql } from 'kysely';
import { openSqlBackend } from '../src/store/open.js';
import { startServer } from '../test/helpers/server.js';
import { pushToMaster, rewriteRepo } from '../test/github/fixtures.js';

const TOTAL = Number(process.argv[2] ?? 1000);
const IN_FLIGHT = Number(process.argv[3] ?? 50);
const REDELIVERIES = Math.min(100, TOTAL);
const REPOS = 4;
const WARMUP = 200;
const SECRET = 'bench-webhook-secret';

const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: join(import.meta.dirname, '..'), stdio: 'inherit' });
if (build.status !== 0) throw new Error('npm run build failed');

// A git remote that never answers: held sockets, closed at the end.
const held = new Set<Socket>();
const silent = createServer((s) => void held.add(s.on('error', () => undefined)));
await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
const gitUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;

const work = mkdtempSync(join(tmpdir(), 'roger-bench-hooks-'));
const configFile = join(work, 'config.yml');
writeFileSync(
  configFile,
  `paths:\n  builds: ${join(work, 'builds')}\nbuilds:\n  concurrent: 1\n  allowedSchemes: [https, http]\ngithub:\n  webhookSecret: ${SECRET}\n`,
);

interface Prepared {
  id: string;
  headers: Record<string, string>;
  body: string;
}

async function prepare(i: number): Promise<Prepared> {
  const payload = rewriteRepo(pushToMaster(), `${gitUrl}/octo/app-${i % REPOS}.git`);
  const sha = (i.toString(16).padStart(8, '0') + 'abc').repeat(4).slice(0, 40);
  Object.assign(payload, { after: sha, head_commit: { id: sha } });
  const body = JSON.stringify(payload);
  const id = `bench-${i}-${crypto.randomUUID()}`;
  const headers = {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-github-delivery': id,
    'x-hub-signature-256': await sign(SECRET, body),
  };
  return { id, headers, body };
}

/** Keep-alive connections, one per request in flight, as a webhook sender with a connection pool would use. */
const agent = new Agent({ keepAlive: process.env.BENCH_KEEPALIVE !== '0', maxSockets: IN_FLIGHT });

function postOne(url: string, r: Prepared): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

async function post(url: string, reqs: Prepared[]): Promise<{ ms: number[]; codes: Map<number, number>; wallMs: number }> {
  const ms: number[] = [];
  const codes = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < reqs.length) {
      const r = reqs[next++]!;
      const t = performance.now();
      const status = await postOne(`${url}/public/api/hooks/github`, r);
      ms.push(performance.now() - t);
      codes.set(status, (codes.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return { ms, codes, wallMs: performance.now() - started };
}

const fmt = (n: number): string => n.toFixed(1);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

const server = await startServer(configFile);
let failed = false;
try {
  const reqs = await Promise.all(Array.from({ length: TOTAL }, (_, i) => prepare(i)));
  // Warm-up at full concurrency: connections open, code paths compiled. Its deliveries count below.
  await post(server.url, await Promise.all(Array.from({ length: WARMUP }, (_, i) => prepare(TOTAL + i))));
  const first = await post(server.url, reqs);
  const again = await post(server.url, reqs.slice(0, REDELIVERIES));

  console.log(`deliveries: ${TOTAL} to ${REPOS} repositories, ${IN_FLIGHT} in flight`);
  console.log(`  answered: ${first.ms.length}   status codes: ${JSON.stringify(Object.fromEntries(first.codes))}`);
  console.log(`  latency ms: p50 ${fmt(pct(first.ms, 50))}  p90 ${fmt(pct(first.ms, 90))}  p99 ${fmt(pct(first.ms, 99))}  max ${fmt(pct(first.ms, 100))}`);
  console.log(`  throughput: ${fmt((TOTAL / first.wallMs) * 1000)} deliveries/s (${fmt(first.wallMs)} ms wall)`);
  console.log(`redeliveries: ${REDELIVERIES}   status codes: ${JSON.stringify(Object.fromEntries(again.codes))}  p99 ${fmt(pct(again.ms, 99))} ms`);

  const db = await openSqlBackend(`sqlite:${join(work, 'builds', 'roger.db')}`, { dataDir: work });
  const ids = reqs.map((r) => r.id);
  const { rows } = await sql<{ builds: number; deliveries: number; built: number; distinct_builds: number; matched: number }>`
    select
      (select count(*) from builds where repo like ${`${gitUrl}/%`}) as builds,
      (select count(*) from deliveries where id like 'bench-%') as deliveries,
      (select count(*) from deliveries where id like 'bench-%' and result = 'built') as built,
      (select count(distinct build_id) from deliveries where id like 'bench-%') as distinct_builds,
      (select count(*) from deliveries d join builds b on b.id = d.build_id where d.id like 'bench-%') as matched
  `.execute(db.db);
  await db.close();
  const c = rows[0]!;
  console.log(`database: ${c.builds} builds, ${c.deliveries} deliveries (${c.built} built, ${c.distinct_builds} distinct builds, ${c.matched} joined)`);
  const expected = TOTAL + WARMUP;
  const checks: [string, boolean][] = [
    ['every delivery answered 202', first.codes.get(202) === TOTAL],
    ['every redelivery answered 200 duplicate', again.codes.get(200) === REDELIVERIES],
    ['one build per distinct delivery', c.builds === expected && c.built === expected && c.distinct_builds === expected && c.matched === expected],
    ['every bench delivery id recorded', c.deliveries === expected && ids.length === TOTAL],
  ];
  for (const [what, ok] of checks) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  // A target, not a correctness check: it depends on the machine (client and server share it here).
  console.log(`  ${pct(first.ms, 99) < 50 ? 'met ' : 'MISS'} target: p99 under 50 ms`);
  failed = checks.some(([, ok]) => !ok);
} finally {
  agent.destroy();
  await server.kill9();
  for (const s of held) s.destroy();
  silent.close();
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
