import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BuildRecord } from '../../src/core/build.js';
import { testConfig } from '../helpers/config.js';
import { waitFor } from '../helpers/server.js';
import { startHookApp, type HookApp } from '../helpers/hook-app.js';
import { FakeGitHub } from './fake-github.js';
import { createTag, githubRequest, ping, prComment, pushDeleted, pushTag, pushToMaster, rewriteRepo } from './fixtures.js';

const SECRET = 'hook-test-secret';
const REPO = 'https://git.example.test/octo/app.git';
const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

describe('POST /public/api/hooks/github with github.webhookSecret set', () => {
  let hook: HookApp;
  let gh: FakeGitHub;

  beforeAll(async () => {
    gh = await new FakeGitHub().start();
    const { config } = testConfig(
      `builds:\n  allowedSchemes: [https]\ngithub:\n  apiUrl: ${gh.url}\n  webhookSecret: ${SECRET}\nauth:\n  github: ghp_hooktesttoken\n`,
    );
    hook = await startHookApp(config, { apiRetry: { baseDelayMs: 1, budgetMs: 300 } });
  });
  afterAll(async () => {
    await hook.close();
    await gh.close();
  });
  beforeEach(() => gh.reset());

  const signed = (event: string, payload: Record<string, unknown> | string, opts: { delivery?: string; form?: boolean } = {}) =>
    githubRequest(event, payload, { secret: SECRET, ...opts });
  const builds = () => hook.store.listBuilds({ limit: 500 });
  const deliveries = (limit?: number) => hook.deliveries(limit);
  const delivery = (id: string) => hook.delivery(id);
  const counts = async () => ({ builds: (await builds()).length, deliveries: (await deliveries()).length });

  it('queues a push to a branch: 202, a webhook build at the pushed commit, the delivery recorded as built', async () => {
    const wakes = hook.wakes();
    const req = await signed('push', rewriteRepo(pushToMaster(), REPO));
    const started = Date.now();
    const res = await hook.post(req);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ message: 'build scheduled', repo: REPO, branch: 'master' });
    const build = (await hook.store.getBuild(String(res.body.id)))!;
    expect(build).toMatchObject({ repo: REPO, branch: 'master', commit: SHA, trigger: 'webhook', status: 'queued' });
    const id = req.headers['x-github-delivery']!;
    expect(build.options).toEqual({ forge: 'github', webhook: { refType: 'branch', delivery: id } });
    expect(hook.wakes()).toBe(wakes + 1);
    expect(await delivery(id)).toMatchObject({ event: 'push', repo: REPO, ref: 'master', result: 'built', build_id: build.id });
  });

  it('reads form-encoded deliveries (payload=...) signed over the form body', async () => {
    const p = rewriteRepo(pushTag(), REPO);
    p.after = 'c'.repeat(40);
    p.head_commit = null;
    const res = await hook.post(await signed('push', p, { form: true }));
    expect(res.status).toBe(202);
    expect(await hook.store.getBuild(String(res.body.id))).toMatchObject({ branch: 'simple-tag', commit: 'c'.repeat(40), options: { webhook: { refType: 'tag' } } });
  });

  it('a redelivery of the same id builds nothing new', async () => {
    const p = rewriteRepo(pushToMaster(), REPO);
    p.head_commit = { id: 'd'.repeat(40) };
    const req = await signed('push', p);
    expect((await hook.post(req)).status).toBe(202);
    const before = await counts();
    const again = await hook.post(req);
    expect(again).toEqual({ status: 200, body: { message: 'duplicate delivery' } });
    expect(await counts()).toEqual(before);
  });

  it('a second delivery of a push already queued points at the queued build', async () => {
    const p = rewriteRepo(pushToMaster(), REPO);
    p.head_commit = { id: 'e'.repeat(40) };
    const first = await hook.post(await signed('push', p));
    // Another push (from another parent) of the same commit: not a replay, but its build is queued already.
    const second = await signed('push', { ...p, before: '1'.repeat(40) });
    const res = await hook.post(second);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ message: 'build already queued', id: first.body.id });
    expect((await delivery(second.headers['x-github-delivery']!))?.result).toMatch(/^duplicate: build .* is already queued/);
  });

  it('create of a tag queues the tag; ping answers 200', async () => {
    const repo = 'https://git.example.test/octo/created.git';
    const res = await hook.post(await signed('create', rewriteRepo(createTag(), repo)));
    expect(res.status).toBe(202);
    expect(await hook.store.getBuild(String(res.body.id))).toMatchObject({ branch: 'simple-tag', commit: null, options: { webhook: { refType: 'tag' } } });
    const pong = await hook.post(await signed('ping', ping()));
    expect(pong).toEqual({ status: 200, body: { message: 'pong' } });
  });

  it.each([
    ['create then push', ['create', 'push']],
    ['push then create', ['push', 'create']],
    ['both at once', ['both']],
  ])('a new tag announced by create and push builds once (%s); the second delivery is a duplicate of the first build', async (_name, order) => {
    const repo = `https://git.example.test/octo/tagged-${order.join('-')}.git`;
    const push = rewriteRepo(pushTag(), repo);
    Object.assign(push, { after: 'e'.repeat(40), head_commit: { id: 'e'.repeat(40), message: 'release' } });
    const requests = { create: await signed('create', rewriteRepo(createTag(), repo)), push: await signed('push', push) };
    const answers =
      order[0] === 'both'
        ? await Promise.all([hook.post(requests.create), hook.post(requests.push)])
        : [await hook.post(requests[order[0] as 'create']), await hook.post(requests[order[1] as 'push'])];
    const tagBuilds = (await builds()).filter((b) => b.repo === repo);
    expect(tagBuilds).toHaveLength(1);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 202]);
    const ids = [requests.create.headers['x-github-delivery']!, requests.push.headers['x-github-delivery']!];
    const recorded = await Promise.all(ids.map((id) => delivery(id)));
    expect(recorded.map((d) => d?.build_id)).toEqual([tagBuilds[0]!.id, tagBuilds[0]!.id]);
    expect(recorded.filter((d) => d?.result === 'built')).toHaveLength(1);
    expect(recorded.filter((d) => d?.result.startsWith('duplicate: same payload as delivery'))).toHaveLength(1);
  });

  it('a tag pushed again (moved, not created) builds again', async () => {
    const repo = 'https://git.example.test/octo/moved.git';
    const first = rewriteRepo(pushTag(), repo);
    Object.assign(first, { after: '1'.repeat(40), head_commit: { id: '1'.repeat(40) } });
    const moved = rewriteRepo(pushTag(), repo);
    Object.assign(moved, { created: false, before: '1'.repeat(40), after: '2'.repeat(40), head_commit: { id: '2'.repeat(40) } });
    expect((await hook.post(await signed('push', first))).status).toBe(202);
    expect((await hook.post(await signed('push', moved))).status).toBe(202);
    expect((await builds()).filter((b) => b.repo === repo)).toHaveLength(2);
  });

  it('deleted refs, other events and other comments build nothing and say why (202)', async () => {
    const before = (await builds()).length;
    const del = await hook.post(await signed('push', rewriteRepo(pushDeleted(), REPO)));
    expect(del).toEqual({ status: 202, body: { message: 'ignored: tag "simple-tag" was deleted' } });
    const star = await hook.post(await signed('star', { action: 'created', repository: { clone_url: REPO } }));
    expect(star).toEqual({ status: 202, body: { message: 'ignored: event "star" is not built' } });
    const chat = await hook.post(await signed('issue_comment', prComment(REPO, 5, 'looks good')));
    expect(chat.status).toBe(202);
    expect((await builds()).length).toBe(before);
    expect(gh.requests).toEqual([]);
  });

  describe('refuses, recording and building nothing', () => {
    const push = () => rewriteRepo(pushToMaster(), REPO);

    it('401 for an unsigned payload, a wrong signature and a valid signature over another body', async () => {
      const before = await counts();
      const unsigned = await githubRequest('push', push());
      expect(await hook.post(unsigned)).toEqual({ status: 401, body: { message: expect.stringMatching(/missing X-Hub-Signature-256/) } });
      const wrong = await githubRequest('push', push(), { secret: 'guess' });
      expect((await hook.post(wrong)).status).toBe(401);
      const other = await signed('push', push());
      other.body = other.body.replace('"master"', '"evil"');
      expect((await hook.post(other)).status).toBe(401);
      const sha1 = await githubRequest('push', push());
      sha1.headers['x-hub-signature'] = 'sha1=0000000000000000000000000000000000000000';
      expect((await hook.post(sha1)).status).toBe(401);
      const empty = await signed('push', push());
      empty.body = '';
      expect((await hook.post(empty)).status).toBe(401);
      expect(await counts()).toEqual(before);
    });

    it('413 for a 10 MB body, before reading it', async () => {
      const before = await counts();
      const huge = { ...(await signed('push', push())), body: `{"pad":"${'x'.repeat(10 * 1024 * 1024)}"}` };
      const res = await hook.post(huge);
      expect(res).toEqual({ status: 413, body: { message: 'request body too large' } });
      expect(await counts()).toEqual(before);
    });

    it('400 for signed non-JSON, a JSON array, an unsupported content type, a missing event header', async () => {
      const before = await counts();
      expect(await hook.post(await signed('push', 'not json {'))).toMatchObject({ status: 400, body: { message: expect.stringMatching(/not valid JSON/) } });
      expect((await hook.post(await signed('push', '[]'))).status).toBe(400);
      const text = await signed('push', push());
      text.headers['content-type'] = 'text/plain';
      expect(await hook.post(text)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/unsupported content type/) } });
      const noEvent = await signed('push', push());
      delete noEvent.headers['x-github-event'];
      expect(await hook.post(noEvent)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/X-GitHub-Event/) } });
      const badId = await signed('push', push(), { delivery: '../../etc/passwd' });
      expect(await hook.post(badId)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/X-GitHub-Delivery/) } });
      expect(await counts()).toEqual(before);
    });

    it.each([
      ['no repository', (p: Record<string, unknown>) => void delete p.repository, /no repository/],
      ['a bad ref', (p: Record<string, unknown>) => void (p.ref = 'refs/heads/a..b'), /invalid branch or tag name/],
      ['a ref starting with -', (p: Record<string, unknown>) => void (p.ref = 'refs/heads/--upload-pack=x'), /starts with '-'/],
      ['an ftp clone_url', (p: Record<string, unknown>) => void ((p.repository as Record<string, unknown>).clone_url = 'ftp://x/y.git'), /scheme 'ftp'/],
      ['an http clone_url (not allowed here)', (p: Record<string, unknown>) => void ((p.repository as Record<string, unknown>).clone_url = 'http://x/y.git'), /scheme 'http' is not allowed/],
      ['a file:// clone_url', (p: Record<string, unknown>) => void ((p.repository as Record<string, unknown>).clone_url = 'file:///etc'), /must be remote/],
      ['a local path clone_url', (p: Record<string, unknown>) => void ((p.repository as Record<string, unknown>).clone_url = '/srv/git/secret.git'), /must be remote/],
      ['an ext:: clone_url', (p: Record<string, unknown>) => void ((p.repository as Record<string, unknown>).clone_url = 'ext::sh -c touch% /tmp/pwned'), /ext::|not allowed/],
    ])('400 for %s, recorded as ignored, nothing built', async (_name, mutate, message) => {
      const p = push();
      mutate(p);
      const before = (await builds()).length;
      const req = await signed('push', p);
      const res = await hook.post(req);
      expect(res.status).toBe(400);
      expect(String(res.body.message)).toMatch(message);
      expect((await builds()).length).toBe(before);
      expect((await delivery(req.headers['x-github-delivery']!))?.result).toMatch(/^ignored: /);
    });
  });

  describe('"build please!" on a pull request', () => {
    const HEAD = 'f'.repeat(40);

    it('answers 202 at once, looks the pull request up with the token, builds its head branch', async () => {
      gh.pulls.set('octo/app#12', { head: { ref: 'feature/login', sha: HEAD, cloneUrl: REPO, fullName: 'octo/app' }, baseFullName: 'octo/app' });
      const req = await signed('issue_comment', prComment(REPO, 12, '  Build please!  '));
      const res = await hook.post(req);
      expect(res.status).toBe(202);
      const id = req.headers['x-github-delivery']!;
      const done = await waitFor(async () => {
        const d = await delivery(id);
        return d && !d.result.startsWith('pending') && d;
      }, 5_000);
      expect(done).toMatchObject({ event: 'issue_comment', repo: REPO, ref: 'pull/12', result: 'built' });
      const build = (await hook.store.getBuild(done.build_id!)) as BuildRecord;
      expect(build).toMatchObject({ repo: REPO, branch: 'feature/login', commit: HEAD, trigger: 'webhook', options: {} });
      expect(gh.requests).toEqual([{ method: 'GET', path: '/repos/octo/app/pulls/12', authorization: 'token ghp_hooktesttoken', body: undefined }]);
    });

    it.each([
      ['an unknown pull request', () => undefined, 'ignored: pull request not found'],
      ['a pull request from a fork', () => gh.pulls.set('octo/app#14', { head: { ref: 'master', sha: HEAD, cloneUrl: 'https://git.example.test/evil/app.git', fullName: 'evil/app' }, baseFullName: 'octo/app' }), 'ignored: pull request #14 comes from a fork'],
      ['the API failing', () => gh.fail(/pulls/, 500, 100), 'failed: cannot look up pull request #14'],
      ['a head branch git would refuse', () => gh.pulls.set('octo/app#14', { head: { ref: '-x', sha: HEAD, cloneUrl: REPO, fullName: 'octo/app' }, baseFullName: 'octo/app' }), 'ignored: invalid branch or tag name'],
    ])('builds nothing for %s and says so on the delivery', async (_name, arrange, result) => {
      gh.pulls.delete('octo/app#14');
      arrange();
      const before = (await builds()).length;
      const req = await signed('issue_comment', prComment(REPO, 14));
      expect((await hook.post(req)).status).toBe(202);
      const done = await waitFor(async () => {
        const d = await delivery(req.headers['x-github-delivery']!);
        return d && !d.result.startsWith('pending') && d;
      }, 5_000);
      expect(done.result.startsWith(result)).toBe(true);
      expect((await builds()).length).toBe(before);
    });
  });

  it('lists deliveries newest first, limited; refuses a bad limit', async () => {
    const two = await deliveries(2);
    expect(two).toHaveLength(2);
    const all = await deliveries();
    expect(all.slice(0, 2)).toEqual(two);
    expect(Object.keys(all[0]!).sort()).toEqual(['build_id', 'event', 'id', 'received_at', 'ref', 'repo', 'result']);
    expect((await fetch(`${hook.url}/api/hooks/deliveries?limit=abc`)).status).toBe(400);
    expect((await fetch(`${hook.url}/api/hooks/deliveries?limit=0`)).status).toBe(400);
  });
});

describe('without github.webhookSecret, with API tokens and github.allowUnsigned: true', () => {
  let hook: HookApp;
  beforeAll(async () => {
    const { config } = testConfig('builds:\n  allowedSchemes: [https]\napp:\n  auth:\n    tokens: [api-token-1234]\ngithub:\n  allowUnsigned: true\n');
    hook = await startHookApp(config);
  });
  afterAll(() => hook.close());

  it('accepts unsigned deliveries, ignores a signature header, warns once at start', async () => {
    expect(hook.warnings).toEqual(['github.webhookSecret is not set: GitHub webhooks are accepted unsigned']);
    const req = await githubRequest('push', rewriteRepo(pushToMaster(), REPO));
    expect((await hook.post(req)).status).toBe(202);
    const bogus = await githubRequest('ping', ping());
    bogus.headers['x-hub-signature-256'] = await sign('whatever', 'else');
    expect((await hook.post(bogus)).status).toBe(200);
  });

  it('400 for empty and non-JSON bodies; a missing delivery id still records the delivery', async () => {
    expect(await hook.post({ ...(await githubRequest('push', '')), body: '' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/empty body/) } });
    expect((await hook.post(await githubRequest('push', '<xml/>'))).status).toBe(400);
    const untyped = await githubRequest('push', rewriteRepo(pushToMaster(), REPO));
    delete untyped.headers['content-type'];
    // fetch would add text/plain; inject sends no content type at all.
    const res = await hook.app.inject({ method: 'POST', url: '/public/api/hooks/github', headers: untyped.headers, payload: untyped.body });
    expect({ status: res.statusCode, body: res.json() }).toMatchObject({ status: 400, body: { message: expect.stringMatching(/unsupported content type ""/) } });
    const req = await githubRequest('ping', ping());
    delete req.headers['x-github-delivery'];
    expect((await hook.post(req)).status).toBe(200);
    expect((await hook.store.listDeliveries({ limit: 1 }))[0]?.id).toMatch(/^local-/);
  });

  it('the webhook needs no API token; the deliveries list does', async () => {
    expect((await fetch(`${hook.url}/api/hooks/deliveries`)).status).toBe(401);
    const res = await fetch(`${hook.url}/api/hooks/deliveries`, { headers: { authorization: 'Bearer api-token-1234' } });
    expect(res.status).toBe(200);
  });
});
