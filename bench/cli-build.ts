/**
 * `bin/roger build` against the plain CLI doing the same work (git clone --depth 1, docker build --pull,
 * docker push) on a small fixture repository, runs interleaved, warm cache and no cache. The CLI runs
 * twice: as is (the fresh clone's `.git` goes into the context, so `COPY .` misses the cache), and with
 * `.git` dropped before building, as Roger does for its contexts, so every step hits the cache.
 * Usage: npx tsx bench/cli-build.ts [runs]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBareRepo } from '../test/helpers/fixture-repo.js';
import { fmt, median, timed } from './lib.js';

const runs = Number(process.argv[2] ?? 7);
const ROGER = join(import.meta.dirname, '..', 'bin', 'roger');
const work = mkdtempSync(join(tmpdir(), 'roger-bench-'));
const name = 'bench-cli';
const image = `127.0.0.1:5000/${name}:latest`;
const { dir } = await makeBareRepo(work, name, {
  Dockerfile: 'FROM 127.0.0.1:5000/busybox:latest\nCOPY . /app\nRUN echo built > /built.txt\n',
  'app.txt': 'hello\n',
  'build.yml': `${name}: {}\n`,
});
const repo = `file://${dir}`;
const config = join(work, 'config.yml');
writeFileSync(config, `paths:\n  builds: ${join(work, 'builds')}\n`);

function cli(nocache: boolean, dropGit: boolean): number {
  const checkout = join(work, `co-${Math.random().toString(36).slice(2)}`);
  let ms = timed('git', ['clone', '-q', '--depth', '1', repo, checkout]);
  if (dropGit) ms += timed('rm', ['-rf', join(checkout, '.git')]);
  ms += timed('docker', ['build', '-q', '--pull', ...(nocache ? ['--no-cache'] : []), '-t', image, checkout]);
  ms += timed('docker', ['push', '-q', image]);
  rmSync(checkout, { recursive: true, force: true });
  return ms;
}
const roger = (nocache: boolean): number => timed(ROGER, ['build', repo, '--config', config, ...(nocache ? ['--nocache'] : [])]);

for (const nocache of [false, true]) {
  cli(nocache, true);
  roger(nocache); // warm-up: caches, page cache, compiled dist
  const asIs: number[] = [];
  const noGit: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < runs; i++) {
    asIs.push(cli(nocache, false));
    noGit.push(cli(nocache, true));
    r.push(roger(nocache));
  }
  const label = nocache ? 'nocache' : 'warm   ';
  const ratio = (x: number[]): string => `${(median(r) / median(x)).toFixed(2)}x`;
  console.log(
    `${label}  roger ${fmt(median(r))}  cli ${fmt(median(asIs))} (ratio ${ratio(asIs)})  cli without .git ${fmt(median(noGit))} (ratio ${ratio(noGit)})  (${runs} runs each, interleaved)`,
  );
}
rmSync(work, { recursive: true, force: true });
