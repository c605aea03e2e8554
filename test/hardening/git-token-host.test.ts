import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { domainToASCII } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/core/config.js';
import { FakeEngine } from '../../src/engine/fake.js';
import { createGit } from '../../src/git/cli.js';
import { createLineLog } from '../../src/logs/line-log.js';
import { KeyedLock } from '../../src/core/keyed-lock.js';
import { runPipeline, type PipelineResult } from '../../src/pipeline/run.js';
import { requestBuild } from '../../src/trigger/request.js';
import { testConfig } from '../helpers/config.js';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { selfSignedCert } from '../helpers/tls.js';

/**
 * auth.github must reach the trusted host only. Every name below resolves to 127.0.0.1 (curl
 * resolves `*.localhost` to loopback itself), and the certificate covers every one of them, so a
 * request that git makes always arrives at the recording listener with whatever header git sent:
 * nothing is hidden behind a failed TLS handshake or an unresolvable name.
 */
const TOKEN = 'ghp_TokenThatMustStayHome0123456789';
const TOKEN_B64 = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
const TRUSTED = 'trusted.localhost';
/** `trusted.localhost` with a Cyrillic `е`: looks the same, is another host. */
const LOOKALIKE = 'trust\u0435d.localhost';
const LOOKALIKE_ASCII = domainToASCII(LOOKALIKE);

let tmp: string;
let tls: GitServer;
let plain: GitServer;
let config: Config;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'roger-token-host-'));
  const root = join(tmp, 'repos');
  await makeBareRepo(join(root, 'o'), 'app', { 'build.yml': 'app: {}\n', Dockerfile: 'FROM scratch\n' });
  const cert = selfSignedCert(tmp, [TRUSTED, `${TRUSTED}.attacker.localhost`, LOOKALIKE_ASCII, 'attacker.localhost', 'localhost', '127.0.0.1']);
  process.env.GIT_SSL_CAINFO = cert.certFile;
  const auth = { username: 'x-access-token', password: TOKEN };
  tls = await startGitServer({ root, auth, tls: cert });
  plain = await startGitServer({ root, auth });
  config = testConfig(
    [
      'builds:\n  allowedSchemes: [https, http]',
      `auth:\n  github: ${TOKEN}`,
      // The GitHub Enterprise form: its web host is the API's host.
      `github:\n  apiUrl: https://${TRUSTED}:${port(tls)}/api/v3`,
    ].join('\n') + '\n',
  ).config;
});

afterAll(async () => {
  await tls?.close();
  await plain?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const port = (s: GitServer): string => new URL(s.url).port;

/** The real pipeline, as the runner calls it, with the server's git adapter; Docker is not reached. */
async function build(repo: string): Promise<PipelineResult & { log: string }> {
  const lines: string[] = [];
  const result = await runPipeline(
    { engine: new FakeEngine(), git: createGit({ allowedSchemes: config.builds.allowedSchemes }), config, pushLock: new KeyedLock() },
    {
      repo,
      ref: 'master',
      options: {},
      workDir: join(tmp, 'work', Math.random().toString(36).slice(2)),
      log: createLineLog((l) => lines.push(l)),
      signal: new AbortController().signal,
    },
  );
  return { ...result, log: lines.join('') };
}

/** What the listeners saw while `fn` ran. */
async function seen(fn: () => Promise<unknown>): Promise<{ path: string; authorization?: string }[]> {
  const a = tls.requests.length;
  const b = plain.requests.length;
  await fn();
  return [...tls.requests.slice(a), ...plain.requests.slice(b)];
}

describe('the GitHub token goes to the trusted host only', () => {
  it('is sent to the trusted host over https, which then serves the checkout (so this test can fail)', async () => {
    for (const repo of [`https://${TRUSTED}:${port(tls)}/o/app.git`, `https://Trusted.LOCALHOST:${port(tls)}/o/app.git`]) {
      let result: PipelineResult & { log: string } = { results: [], log: '' };
      const requests = await seen(async () => (result = await build(repo)));
      expect(result.failure, result.log).toBeUndefined();
      expect(result.results.map((r) => r.outcome)).toEqual(['passed']);
      expect(requests.length).toBeGreaterThan(0);
      for (const r of requests) expect(r.authorization).toBe(`Basic ${TOKEN_B64}`);
      expect(result.log).not.toContain(TOKEN);
    }
  });

  // Read by a WHATWG parser as the trusted host, by git and curl as another (or refused outright).
  // URLs are made once the listeners' ports are known: P is the https port.
  const refused: [string, (P: string) => string, RegExp][] = [
    ['a backslash before @', (P) => `https://${TRUSTED}\\@127.0.0.1:${P}/o/app.git`, /backslash/],
    ['%5C before @', (P) => `https://${TRUSTED}%5C@127.0.0.1:${P}/o/app.git`, /encoded backslash/],
    ['%5c before @', (P) => `https://${TRUSTED}%5c@attacker.localhost:${P}/o/app.git`, /encoded backslash/],
    ['a backslash in user info', (P) => `https://x\\${TRUSTED}@127.0.0.1:${P}/o/app.git`, /backslash/],
    ['mixed case and a backslash', (P) => `https://Trusted.LocalHost\\@127.0.0.1:${P}/o/app.git`, /backslash/],
    ['user info', (P) => `https://${TRUSTED}@attacker.localhost:${P}/o/app.git`, /credentials/],
    ['an IDN look-alike', (P) => `https://${LOOKALIKE}:${P}/o/app.git`, /xn-- form/],
    ['a trailing dot', (P) => `https://${TRUSTED}.:${P}/o/app.git`, /ends with '\.'/],
  ];
  // Read the same way by everyone, and not the trusted host: git fetches, without the token.
  const otherHosts: [string, () => string][] = [
    ['the trusted name as a subdomain', () => `https://${TRUSTED}.attacker.localhost:${port(tls)}/o/app.git`],
    ['the look-alike in its xn-- form', () => `https://${LOOKALIKE_ASCII}:${port(tls)}/o/app.git`],
    ['another host on the same port', () => `https://127.0.0.1:${port(tls)}/o/app.git`],
    ['the trusted name in the path', () => `https://attacker.localhost:${port(tls)}/${TRUSTED}/../o/app.git`],
    ['http instead of https', () => `http://${TRUSTED}:${port(plain)}/o/app.git`],
  ];

  it.each(refused)('refuses %s before git connects anywhere', async (what, url, why) => {
    const repo = url(port(tls));
    let result: PipelineResult & { log: string } = { results: [], log: '' };
    const requests = await seen(async () => (result = await build(repo)));
    expect(requests, what).toEqual([]);
    expect(result.failure?.badInput, `${what}: ${result.log}`).toBe(true);
    expect(result.log).toMatch(why);
    expect(result.log).not.toContain(TOKEN);
    // The API refuses it the same way, before anything is stored.
    await expect(
      requestBuild(
        { store: undefined as never, allowedSchemes: config.builds.allowedSchemes, wake: () => undefined, cancelSuperseded: false, abort: () => false, touch: () => undefined },
        { repo, trigger: 'api' },
      ),
    ).rejects.toMatchObject({ kind: 'bad-input' });
  });

  it.each(otherHosts)('sends no token to %s', async (what, url) => {
    const repo = url();
    let result: PipelineResult & { log: string } = { results: [], log: '' };
    const requests = await seen(async () => (result = await build(repo)));
    // The request arrived (so a header would have been seen), without any Authorization.
    expect(requests.length, `${what}: ${result.log}`).toBeGreaterThan(0);
    for (const r of requests) expect(r.authorization, what).toBeUndefined();
    expect(result.failure?.message, what).toMatch(/authentication .* failed/);
  });

  it('git itself keeps the header to the origin it was scoped to, even if a caller hands the token over', async () => {
    const git = createGit({ allowedSchemes: ['https', 'http'] });
    const log = createLineLog(() => undefined);
    for (const url of [`https://127.0.0.1:${port(tls)}/o/app.git`, `http://${TRUSTED}:${port(plain)}/o/app.git`]) {
      const requests = await seen(() =>
        git.checkout({ url, ref: 'master', dir: join(tmp, 'work', Math.random().toString(36).slice(2)), token: undefined, log }).catch(() => undefined),
      );
      for (const r of requests) expect(r.authorization).toBeUndefined();
    }
    // Handed the token for plain http, the adapter still does not send it.
    const requests = await seen(() =>
      git
        .checkout({ url: `http://${TRUSTED}:${port(plain)}/o/app.git`, ref: 'master', dir: join(tmp, 'work', 'h'), token: TOKEN, log })
        .catch(() => undefined),
    );
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) expect(r.authorization).toBeUndefined();
  });
});
