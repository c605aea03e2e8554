import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBareRepo } from '../helpers/fixture-repo.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

// The helper itself: the checkout tests trust it, so its CGI plumbing is checked directly.
let tmp: string;
let server: GitServer;
let locked: GitServer;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'roger-git-server-'));
  await makeBareRepo(tmp, 'app', { 'a.txt': 'a\n' });
  server = await startGitServer({ root: tmp });
  locked = await startGitServer({ root: tmp, auth: { username: 'u', password: 'p' } });
});

afterAll(async () => {
  await server?.close();
  await locked?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A protocol v2 `ls-refs` request: command pkt-line, delimiter, flush. */
const LS_REFS = '0014command=ls-refs\n00010000';

describe('startGitServer', () => {
  it('serves the smart-HTTP advertisement with the CGI status and headers', async () => {
    const res = await fetch(`${server.url}/app.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
    expect(await res.text()).toContain('refs/heads/master');
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', path: '/app.git/info/refs', authorization: undefined });
  });

  it('passes request bodies, gzip-encoded ones included', async () => {
    for (const gzip of [false, true]) {
      const res = await fetch(`${server.url}/app.git/git-upload-pack`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-git-upload-pack-request',
          'Git-Protocol': 'version=2',
          ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
        },
        body: gzip ? gzipSync(LS_REFS) : LS_REFS,
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('refs/heads/master');
    }
  });

  it('maps a CGI Status header (missing repository)', async () => {
    const res = await fetch(`${server.url}/nope.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(404);
  });

  it('asks for Basic credentials and accepts only the right ones', async () => {
    const url = `${locked.url}/app.git/info/refs?service=git-upload-pack`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="git"');
    const wrong = await fetch(url, { headers: { Authorization: `Basic ${btoa('u:x')}` } });
    expect(wrong.status).toBe(401);
    const right = await fetch(url, { headers: { Authorization: `Basic ${btoa('u:p')}` } });
    expect(right.status).toBe(200);
    expect(locked.requests.map((r) => r.authorization)).toEqual([undefined, `Basic ${btoa('u:x')}`, `Basic ${btoa('u:p')}`]);
  });
});
