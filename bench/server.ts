/**
 * Server benchmarks (issue: the build server):
 *  1. end to end: a build requested through the API until its image is in the registry, against the
 *     plain CLI doing the same work (git clone --depth 1, docker build --pull, docker push), interleaved;
 *  2. API latency with 100,000 builds stored: /api/builds?limit=50 and /api/projects;
 *  3. 1,000 build requests in one burst: all accepted and recorded, answer latency;
 *  4. memory: idle RSS, and with 100 clients following a running build's log.
 * Usage: npx tsx bench/server.ts [e2eRuns]
 */
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlBackend } from '../src/store/open.js';
import { makeBareRepo } from '../test/helpers/fixture-repo.js';
import { seedBuilds } from '../test/helpers/seed-builds.js';
import { getJson, readUntil, startServer, type ServerProcess } from '../test/helpers/server.js';
import { fmt, median, percentile, timed } from './lib.js';

const e2eRuns = Number(process.argv[2] ?? 7);
const work = mkdtempSync(join(tmpdir(), 'roger-bench-server-'));
const BASE = '127.0.0.1:5000/busybox:latest';

const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
};

async function requestUntilPassed(server: ServerProcess, repo: string): Promise<number> {
  const start = performance.now();
  const { body } = await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(repo)}&branch=master`);
  for (;;) {
    const { body: b } = await getJson<{ build: { status: string; error: string | null } }>(`${server.url}/api/builds/${body.id}`);
    if (b.build.status === 'passed') return performance.now() - start;
    if (b.build.status !== 'queued' && b.build.status !== 'started') throw new Error(`build ${b.build.status}: ${b.build.error}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function endToEnd(): Promise<void> {
  const name = 'bench-e2e';
  const { dir } = await makeBareRepo(work, name, {
    Dockerfile: `FROM ${BASE}\nCOPY . /app\nRUN echo built > /built.txt\n`,
    'app.txt': 'hello\n',
    'build.yml': `${name}: {}\n`,
  });
  const repo = `file://${dir}`;
  const image = `127.0.0.1:5000/${name}:latest`;
  const config = join(work, 'e2e.yml');
  writeFileSync(config, `paths:\n  builds: ${join(work, 'e2e')}\nbuilds:\n  concurrent: 1\n  allowedSchemes: [file]\n`);
  const server = await startServer(config);
  const cli = (): number => {
    const co = join(work, `co-${Math.random().toString(36).slice(2)}`);
    let ms = timed('git', ['clone', '-q', '--depth', '1', repo, co]);
    ms += timed('rm', ['-rf', join(co, '.git')]);
    ms += timed('docker', ['build', '-q', '--pull', '-t', image, co]);
    ms += timed('docker', ['push', '-q', image]);
    rmSync(co, { recursive: true, force: true });
    return ms;
  };
  try {
    cli();
    await requestUntilPassed(server, repo);
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < e2eRuns; i++) {
      a.push(cli());
      b.push(await requestUntilPassed(server, repo));
    }
    const ratio = median(b) / median(a);
    console.log(`e2e (warm)   cli median ${fmt(median(a))}  api median ${fmt(median(b))}  overhead ${((ratio - 1) * 100).toFixed(0)}%  (${e2eRuns} runs each, interleaved)`);
  } finally {
    await server.stop();
  }
}

async function seed(dataDir: string, builds: number, projects: number): Promise<void> {
  const backend = await openSqlBackend(null, { dataDir });
  await seedBuilds(backend, builds, (i) => {
    const at = new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
    const repo = `https://github.com/company/repo${i % projects}`;
    return {
      project: `${repo}__repo${i % projects}`, repo, branch: 'master',
      status: i % 10 === 0 ? 'failed' : 'passed', tag: `127.0.0.1:5000/repo${i % projects}:latest`, commit_sha: 'a'.repeat(40),
      author: 'Dev <dev@example.com>', created_at: at, updated_at: at, started_at: at, finished_at: at, duration_ms: 1000,
    };
  });
  await backend.close();
}

async function latency(url: string, n: number, concurrency = 1): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const t = performance.now();
        const res = await fetch(url);
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${url}: ${res.status}`);
        times.push(performance.now() - t);
      }
    }),
  );
  return times;
}

async function apiAndMemory(): Promise<void> {
  const dataDir = join(work, 'big');
  const t = performance.now();
  await seed(dataDir, 100_000, 1000);
  console.log(`seeded 100,000 builds (1,000 projects) in ${fmt(performance.now() - t)}`);
  const slowName = 'bench-slow';
  const { dir: slow } = await makeBareRepo(work, slowName, { Dockerfile: `FROM ${BASE}\nRUN echo following-${Date.now()} && sleep 20\n`, 'build.yml': `${slowName}: {}\n` });
  const config = join(work, 'big.yml');
  writeFileSync(config, `paths:\n  builds: ${dataDir}\nbuilds:\n  concurrent: 2\n  allowedSchemes: [file]\n`);
  const server = await startServer(config);
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const pid = server.proc.pid ?? 0;
    console.log(`idle RSS ${rssMb(pid).toFixed(0)} MB (target < 120 MB)`);
    await latency(`${server.url}/api/builds?limit=50`, 50);
    const builds = await latency(`${server.url}/api/builds?limit=50`, 1000);
    console.log(`GET /api/builds?limit=50   p50 ${median(builds).toFixed(1)} ms  p99 ${percentile(builds, 99).toFixed(1)} ms (target p99 < 20 ms)`);
    const projects = await latency(`${server.url}/api/projects?limit=50`, 500);
    console.log(`GET /api/projects?limit=50 p50 ${median(projects).toFixed(1)} ms  p99 ${percentile(projects, 99).toFixed(1)} ms (target p99 < 50 ms)`);

    // 1,000 requests in one burst, all at once and then 50 in flight; the repository does not exist,
    // so each build fails fast at checkout while the burst is answered.
    for (const inFlight of [1000, 50]) {
      const missing = encodeURIComponent(`file:///nonexistent/bench-burst-${inFlight}`);
      const times: number[] = [];
      const ids = new Set<string>();
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < 1000) {
            next++;
            const s = performance.now();
            const { status, body } = await getJson<{ id: string }>(`${server.url}/api/build?repo=${missing}`);
            times.push(performance.now() - s);
            if (status === 202) ids.add(body.id);
          }
        }),
      );
      const total = performance.now() - t0;
      let found = 0;
      for (const id of ids) if ((await getJson(`${server.url}/api/builds/${id}`)).status === 200) found++;
      console.log(`burst of 1,000 requests, ${inFlight} in flight: ${ids.size} accepted, ${found} found recorded; answer p50 ${median(times).toFixed(1)} ms p99 ${percentile(times, 99).toFixed(1)} ms; all answered in ${fmt(total)}`);
    }

    const id = (await getJson<{ id: string }>(`${server.url}/api/build?repo=${encodeURIComponent(`file://${slow}`)}&branch=master`)).body.id;
    await readUntil(`${server.url}/api/builds/${id}/log`, 'following', 120_000);
    const controllers = Array.from({ length: 100 }, () => new AbortController());
    const followers = controllers.map(async (c) => {
      const res = await fetch(`${server.url}/api/builds/${id}/log`, { signal: c.signal });
      const reader = res.body!.getReader();
      for (;;) if ((await reader.read()).done) return;
    });
    await new Promise((r) => setTimeout(r, 3000));
    console.log(`RSS with 100 clients following a log: ${rssMb(pid).toFixed(0)} MB (target < 200 MB)`);
    for (const c of controllers) c.abort();
    await Promise.allSettled(followers);
    await fetch(`${server.url}/api/builds/${id}/cancel`, { method: 'POST' });
  } finally {
    await server.stop();
  }
}

try {
  await endToEnd();
  await apiAndMemory();
} finally {
  rmSync(work, { recursive: true, force: true });
}
