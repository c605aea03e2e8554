/**
 * Upload time of N small files (default 2,000) through Roger's s3 publisher (walk, content types,
 * bounded parallel uploads) against a plain script that uploads the same files with the SDK, 8 in
 * parallel. Both go to one real S3 API (s3rver, in a process of its own on 127.0.0.1) with a fresh
 * client per run; runs are interleaved (Roger, plain, Roger, ...) so load changes hit both alike.
 * Prints each run, the medians and the ratio (target: Roger within 1.2x of the plain script).
 *
 * Usage: npx tsx bench/publish.ts [files] [runs]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { nullLog } from '../src/core/log.js';
import { listFiles } from '../src/publish/files.js';
import { s3Publisher } from '../src/publish/s3.js';
import { fmt, median } from './lib.js';

const FILES = Number(process.argv[2] ?? 2000);
const RUNS = Number(process.argv[3] ?? 5);
const BUCKET = 'bench';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const work = mkdtempSync(join(tmpdir(), 'roger-bench-publish-'));
const files = join(work, 'files');
for (let i = 0; i < FILES; i++) {
  const dir = join(files, `d${i % 40}`);
  mkdirSync(dir, { recursive: true });
  const ext = ['js', 'css', 'html', 'json', 'png'][i % 5] ?? 'txt';
  writeFileSync(join(dir, `f${i}.${ext}`), `${i} `.repeat(200 + (i % 7) * 300));
}

// The server runs apart, so its work never queues behind the client's on one event loop.
const serverScript = `
  import S3rver from 's3rver';
  const s = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: ${JSON.stringify(join(work, 's3'))},
    configureBuckets: [{ name: ${JSON.stringify(BUCKET)} }] });
  const { port } = await s.run();
  console.log(port);`;
const server = spawn(process.execPath, ['--input-type=module', '-e', serverScript], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve, reject) => {
  server.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  server.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
});
const endpoint = `http://127.0.0.1:${port}`;

async function roger(prefix: string): Promise<void> {
  const publisher = s3Publisher.create({ key: CREDENTIALS.accessKeyId, secret: CREDENTIALS.secretAccessKey, endpoint });
  try {
    const { files: found } = await listFiles(files);
    const target = { to: 's3' as const, copy: '/files', bucket: BUCKET, bucketPath: prefix };
    await publisher.publish({ target, files: found, log: nullLog, signal: new AbortController().signal });
  } finally {
    publisher.close();
  }
}

async function plain(prefix: string): Promise<void> {
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
  const paths = (await readdir(files, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const path = paths[next++] ?? '';
      const Key = `${prefix}/${relative(files, path)}`;
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: await readFile(path) }));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  client.destroy();
}

/** Client CPU time of each run, beside the wall time: on a busy machine it shows overhead the noise hides. */
const cpu: { roger: number[]; plain: number[] } = { roger: [], plain: [] };

async function time(fn: () => Promise<void>, into?: number[]): Promise<number> {
  const start = process.hrtime.bigint();
  const used = process.cpuUsage();
  await fn();
  const { user, system } = process.cpuUsage(used);
  into?.push((user + system) / 1000);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

try {
  console.log(`${FILES} files, ${RUNS} interleaved runs each, s3rver at ${endpoint}`);
  // One unmeasured run of each first: module loading and the JIT warm-up are not upload time.
  await time(() => roger('warmup-roger'));
  await time(() => plain('warmup-plain'));
  const r: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    r.push(await time(() => roger(`roger-${i}`), cpu.roger));
    p.push(await time(() => plain(`plain-${i}`), cpu.plain));
    console.log(`run ${i + 1}: roger ${fmt(r.at(-1) ?? 0)} (cpu ${fmt(cpu.roger.at(-1) ?? 0)}), plain ${fmt(p.at(-1) ?? 0)} (cpu ${fmt(cpu.plain.at(-1) ?? 0)})`);
  }
  const ratio = median(r) / median(p);
  console.log(`median: roger ${fmt(median(r))}, plain SDK script ${fmt(median(p))}`);
  console.log(`median client cpu: roger ${fmt(median(cpu.roger))}, plain ${fmt(median(cpu.plain))} (${(median(cpu.roger) / median(cpu.plain)).toFixed(2)}x)`);
  console.log(`ratio roger/plain: ${ratio.toFixed(2)}x (target <= 1.20x) ${ratio <= 1.2 ? 'OK' : 'MISSED'}`);
} finally {
  server.kill();
  rmSync(work, { recursive: true, force: true });
}
