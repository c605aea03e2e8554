/**
 * A build that notifies four handlers (Slack and a signed webhook over HTTP, SMTP, a local SES), run
 * through the whole server (real engine, registry, git over HTTP), first with every receiver answering
 * at once, then with Slack, the webhook and SMTP each taking `slowMs` to answer. Reports each build's
 * recorded duration and how long after its recorded end the last notification was sent: the duration
 * must not grow with slow receivers, because notifications run after it is stored.
 * Usage: npx tsx bench/notifications.ts [runs] [slowMs]
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { createServer } from '../src/main/server.js';
import { testConfig } from '../test/helpers/config.js';
import { makeBareRepo } from '../test/helpers/fixture-repo.js';
import { startGitServer } from '../test/helpers/git-server.js';
import { startLocalSes } from '../test/notify/local-ses.js';
import { fmt, median } from './lib.js';

const runs = Number(process.argv[2] ?? 3);
const slowMs = Number(process.argv[3] ?? 3000);
let delayMs = 0;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
/** Answers 200 after the current delay. */
const slowHttp = (): Server =>
  createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => void sleep(delayMs).then(() => res.writeHead(200).end('ok')));
  });

const slack = slowHttp();
const hook = slowHttp();
const smtp = new SMTPServer({
  disabledCommands: ['STARTTLS'],
  authOptional: true,
  onData(stream, _session, cb) {
    stream.resume();
    stream.on('end', () => void sleep(delayMs).then(() => cb()));
  },
});
await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
const smtpPort = (smtp.server.address() as AddressInfo).port;
const ses = await startLocalSes();
const root = await mkdtemp(join(tmpdir(), 'roger-bench-notify-'));
const git = await startGitServer({ root });
await makeBareRepo(join(root, 'octo'), 'bench-notify', {
  Dockerfile: 'FROM 127.0.0.1:5000/busybox:latest\nRUN echo notified > /n.txt\n',
  'build.yml': 'bench-notify:\n  notify: [slack, webhook, email, emailSes]\n',
});
const { config } = testConfig(
  [
    'app:\n  url: http://roger.test:8080\n  port: 0',
    'builds:\n  allowedSchemes: [http]',
    `auth:\n  slack:\n    url: ${await listen(slack)}/services/T/B/x`,
    'notifications:',
    `  webhook:\n    url: ${await listen(hook)}/hook\n    secret: bench\n    timeout: 30`,
    `  email:\n    host: 127.0.0.1\n    port: ${smtpPort}\n    from: roger@example.com\n    to: team@example.com\n    timeout: 30`,
    `  emailSes:\n    accessKey: AKIABENCH\n    secret: bench\n    endpoint: ${ses.url}\n    from: roger@example.com\n    to: team@example.com`,
  ].join('\n') + '\n',
);
const server = await createServer(config, pino({ level: 'silent' }));
const url = `http://127.0.0.1:${(await server.listen()).port}`;

interface Attempt {
  ok: boolean;
  at: string;
}
interface Build {
  status: string;
  finished_at: string | null;
  duration_ms: number | null;
}

async function once(): Promise<{ durationMs: number; lagMs: number; returnedMs: number }> {
  const repo = encodeURIComponent(`${git.url}/octo/bench-notify.git`);
  const requested = Date.now();
  const { id } = (await (await fetch(`${url}/api/build?repo=${repo}&branch=master`, { method: 'POST' })).json()) as { id: string };
  let build: Build;
  for (;;) {
    build = ((await (await fetch(`${url}/api/builds/${id}`)).json()) as { build: Build }).build;
    if (build.finished_at) break;
    await sleep(50);
  }
  const returnedMs = Date.now() - requested;
  if (build.status !== 'passed') throw new Error(`build ${id} ${build.status}`);
  let attempts: Attempt[];
  for (;;) {
    attempts = ((await (await fetch(`${url}/api/builds/${id}/notifications`)).json()) as { notifications: Attempt[] }).notifications;
    if (attempts.length >= 4) break;
    await sleep(50);
  }
  if (!attempts.every((a) => a.ok)) throw new Error(`a notification failed: ${JSON.stringify(attempts)}`);
  const lastAt = Math.max(...attempts.map((a) => Date.parse(a.at)));
  return { durationMs: build.duration_ms ?? 0, lagMs: lastAt - Date.parse(build.finished_at ?? ''), returnedMs };
}

await once(); // warm the layer cache
const results: Record<string, { durationMs: number; lagMs: number; returnedMs: number }[]> = { fast: [], slow: [] };
for (let i = 0; i < runs; i++) {
  for (const mode of ['fast', 'slow'] as const) {
    delayMs = mode === 'slow' ? slowMs : 0;
    results[mode]?.push(await once());
  }
}

console.log(`notifications: 4 handlers (slack, webhook, email, emailSes), ${runs} runs each, slow receivers answer after ${slowMs} ms`);
for (const mode of ['fast', 'slow'] as const) {
  const r = results[mode] ?? [];
  console.log(
    `  ${mode}: recorded duration median ${fmt(median(r.map((x) => x.durationMs)))}, ` +
      `last notification sent ${fmt(median(r.map((x) => x.lagMs)))} after the recorded end (median)`,
  );
}
const fast = median((results.fast ?? []).map((x) => x.durationMs));
const slow = median((results.slow ?? []).map((x) => x.durationMs));
const grew = slow - fast;
console.log(`  per run (fast): ${(results.fast ?? []).map((x) => fmt(x.durationMs)).join(', ')}`);
console.log(`  per run (slow): ${(results.slow ?? []).map((x) => fmt(x.durationMs)).join(', ')}`);
console.log(
  `  recorded duration, slow minus fast: ${grew >= 0 ? '+' : ''}${fmt(grew)} ` +
    `(target: no growth; had the ${slowMs} ms of the slow receivers counted it would be +${slowMs} ms or more) -> ${grew < slowMs / 2 ? 'met' : 'MISSED'}`,
);

await server.close(5_000);
await git.close();
ses.close();
slack.close();
hook.close();
smtp.close();
