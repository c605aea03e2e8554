/**
 * The engine-side steps of a build, each the old way and the new way, against the real engine and
 * registry (medians of interleaved runs):
 *  - base image: a pull of an unchanged image (Roger's every build) vs the digest check
 *    (builds.pullInterval elapsed) vs within the interval (nothing asked);
 *  - after-build: 5 commands, a fresh container each vs one shared container;
 *  - the context's walk and tar, after the base image check vs beside it.
 * Usage: npx tsx bench/engine-steps.ts [runs]
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildLog } from '../src/core/log.js';
import { createContextStream } from '../src/engine/context.js';
import { createDockerEngine } from '../src/engine/docker.js';
import { runAfterBuild } from '../src/pipeline/hooks.js';
import { BaseImageChecks } from '../src/pipeline/pull.js';
import { fmt, median } from './lib.js';

const runs = Number(process.argv[2] ?? 7);
const BASE = '127.0.0.1:5000/busybox:latest';
const engine = createDockerEngine({ socketPath: '/var/run/docker.sock' });
const log: BuildLog = { write: () => undefined };
const signal = new AbortController().signal;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function compare(title: string, ways: Record<string, () => Promise<unknown>>): Promise<void> {
  const times: Record<string, number[]> = {};
  for (const fn of Object.values(ways)) await fn();
  const entries = Object.entries(ways);
  for (let i = 0; i < runs; i++) {
    // Each run starts with another way, so none always runs first (or right after the same one).
    for (let k = 0; k < entries.length; k++) {
      const [name, fn] = entries[(i + k) % entries.length] ?? ['', async () => undefined];
      (times[name] ??= []).push(await time(fn));
    }
  }
  console.log(title);
  for (const [name, xs] of Object.entries(times)) console.log(`  ${fmt(median(xs)).padStart(8)}  ${name}`);
}

const fresh = new BaseImageChecks(engine, { intervalSeconds: 0 });
const within = new BaseImageChecks(engine, { intervalSeconds: 3600 });
await compare('base image (unchanged in the registry):', {
  'pull (every build before)': () => engine.pull(BASE, undefined, log, signal),
  'digest check (interval elapsed)': () => fresh.ensure(BASE, undefined, { force: false, log, signal }),
  'within builds.pullInterval': () => within.ensure(BASE, undefined, { force: false, log, signal }),
});

const commands = ['true', 'echo one', 'ls / > /dev/null', 'echo two >&2', 'true'];
await compare(`after-build, ${commands.length} commands:`, {
  'fresh container each': () => runAfterBuild(engine, BASE, commands, { container: 'fresh', log, signal }),
  'one shared container': () => runAfterBuild(engine, BASE, commands, { container: 'shared', log, signal }),
});

const dir = mkdtempSync(join(tmpdir(), 'roger-bench-steps-'));
for (let d = 0; d < 20; d++) {
  mkdirSync(join(dir, `d${d}`));
  for (let f = 0; f < 50; f++) writeFileSync(join(dir, `d${d}`, `f${f}`), 'x'.repeat(2048));
}
writeFileSync(join(dir, 'Dockerfile'), `FROM ${BASE}\n`);
const walk = () => createContextStream(dir, { exclude: ['.git'] });
/** The engine reads the tar while it builds; here it is read to its end. */
const send = async (s: NodeJS.ReadableStream): Promise<void> => {
  for await (const chunk of s) void chunk;
};
const check = () => fresh.ensure(BASE, undefined, { force: false, log, signal });
try {
  await compare('base image digest check + context of 1,000 files (walk, then tar sent):', {
    'check, then walk (before)': async () => {
      await check();
      await send(await walk());
    },
    'check beside the walk (now)': async () => {
      const [, s] = await Promise.all([check(), walk()]);
      await send(s);
    },
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
