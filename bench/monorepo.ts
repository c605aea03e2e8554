/**
 * Monorepo benchmark (issue: build less): a push touching one of ten `paths:`-filtered projects, through
 * the whole server (GitHub push webhook -> every record of the push finished), against a push of a
 * one-project repository with the same Dockerfile. Target: one image built, nine skipped, at most 1.3x.
 * The server is a real `bin/roger serve` of its own, as deployed: not this process, whose larger memory
 * would make every git it starts cost more to fork.
 * Usage: npx tsx bench/monorepo.ts [runs]     (compiles dist/ first)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from '../test/helpers/config.js';
import { commitFiles, makeBareRepo } from '../test/helpers/fixture-repo.js';
import { startGitServer } from '../test/helpers/git-server.js';
import { startServer } from '../test/helpers/server.js';
import { githubRequest, pushToMaster, rewriteRepo } from '../test/github/fixtures.js';
import { fmt, median } from './lib.js';

const runs = Number(process.argv[2] ?? 5);
const SECRET = 'bench-secret';
const BASE = '127.0.0.1:5000/busybox:latest';
const PROJECTS = 10;
const DOCKERFILE = `FROM ${BASE}\nCOPY . /app\nRUN echo built > /built.txt\n`;
const work = mkdtempSync(join(tmpdir(), 'roger-bench-mono-'));

interface Build {
  group_id: string;
  status: string;
}

async function main(): Promise<void> {
  const git = await startGitServer({ root: work });
  const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: join(import.meta.dirname, '..'), stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
  const { file } = testConfig(`builds:\n  allowedSchemes: [http]\n  concurrent: 5\ngithub:\n  webhookSecret: ${SECRET}\n`);
  const server = await startServer(file);
  const url = server.url;
  const stream = new AbortController();
  try {
    const monoFiles: Record<string, string> = {};
    const yml: string[] = [];
    for (let i = 0; i < PROJECTS; i++) {
      monoFiles[`p${i}/Dockerfile`] = DOCKERFILE;
      monoFiles[`p${i}/src.txt`] = 'v0\n';
      yml.push(`bench-mono-p${i}:\n  dockerfilePath: p${i}\n  paths: [p${i}/**]`);
    }
    monoFiles['build.yml'] = `${yml.join('\n')}\n`;
    const mono = await makeBareRepo(join(work, 'octo'), 'mono', monoFiles);
    const single = await makeBareRepo(join(work, 'octo'), 'single', { Dockerfile: DOCKERFILE, 'src.txt': 'v0\n', 'build.yml': 'bench-mono-single: {}\n' });

    // The server's event stream says the moment each record ends, as the web UI hears it: no poll
    // interval in the figures.
    const statuses = new Map<string, Build & { id: string }>();
    let changed: () => void = () => undefined;
    const events = await fetch(`${url}/api/events`, { headers: { accept: 'text/event-stream' }, signal: stream.signal });
    if (!events.ok || !events.body) throw new Error(`no event stream: ${events.status}`);
    void (async () => {
      let buf = '';
      for await (const chunk of events.body!.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
          const data = buf.slice(0, end).split('\n').find((l) => l.startsWith('data:'));
          buf = buf.slice(end + 2);
          if (!data) continue;
          const { build } = JSON.parse(data.slice(5)) as { build: Build & { id: string } };
          statuses.set(build.id, build);
          changed();
        }
      }
    })().catch(() => undefined);

    /** Pushes `sha` and waits for every record of the build it queued; returns ms and the statuses. */
    const pushAndWait = async (name: string, sha: string, records: number): Promise<{ ms: number; statuses: string[] }> => {
      const payload = rewriteRepo(pushToMaster(), `${git.url}/octo/${name}.git`);
      Object.assign(payload, { ref: 'refs/heads/master', after: sha, head_commit: { id: sha, message: 'bench' } });
      const req = await githubRequest('push', payload, { secret: SECRET });
      const start = performance.now();
      const res = await fetch(`${url}/public/api/hooks/github`, { method: 'POST', headers: req.headers, body: req.body });
      const { id } = (await res.json()) as { id: string };
      const ended = (): string[] | undefined => {
        const mine = [...statuses.values()].filter((b) => b.group_id === id);
        return mine.length === records && mine.every((b) => !['queued', 'started'].includes(b.status)) ? mine.map((b) => b.status) : undefined;
      };
      for (;;) {
        // Armed before the look: an event can only arrive once this function awaits.
        const next = new Promise<void>((resolve) => (changed = resolve));
        const done = ended();
        if (done) return { ms: performance.now() - start, statuses: done };
        await next;
      }
    };

    // First pushes build everything (no passed build to compare with) and warm the layer cache.
    await pushAndWait('mono', mono.sha, PROJECTS);
    await pushAndWait('single', single.sha, 1);
    const monoMs: number[] = [];
    const singleMs: number[] = [];
    for (let i = 1; i <= runs; i++) {
      const m = await commitFiles(mono.dir, { [`p${i % PROJECTS}/src.txt`]: `v${i}\n` });
      const r = await pushAndWait('mono', m.sha, PROJECTS);
      const built = r.statuses.filter((s) => s === 'passed').length;
      const skipped = r.statuses.filter((s) => s === 'skipped').length;
      if (built !== 1 || skipped !== PROJECTS - 1) throw new Error(`expected 1 built and ${PROJECTS - 1} skipped, got ${r.statuses.join(', ')}`);
      monoMs.push(r.ms);
      const s = await commitFiles(single.dir, { 'src.txt': `v${i}\n` });
      const one = await pushAndWait('single', s.sha, 1);
      if (one.statuses[0] !== 'passed') throw new Error(`single build ${one.statuses[0]}`);
      singleMs.push(one.ms);
    }
    const ratio = median(monoMs) / median(singleMs);
    console.log(`monorepo push (1 of ${PROJECTS} built, ${PROJECTS - 1} skipped) median ${fmt(median(monoMs))}  [${monoMs.map(fmt).join(', ')}]`);
    console.log(`single-project push                  median ${fmt(median(singleMs))}  [${singleMs.map(fmt).join(', ')}]`);
    console.log(`ratio ${ratio.toFixed(2)}x (target <= 1.3x), ${runs} runs each, interleaved`);
  } finally {
    stream.abort();
    await server.stop();
    await git.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
