import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/config.js';
import { waitFor } from '../helpers/server.js';
import { startHookApp, type HookApp } from '../helpers/hook-app.js';
import { ApiRecorder } from './fake-forge.js';
import { fixture, giteaRepo, giteaRequest, gitlabRepo, gitlabRequest, type HookRequest, type Json } from './payloads.js';

const GITLAB_TOKEN = 'gitlab-hook-token-5d1c';
const GITEA_SECRET = 'gitea-hook-secret-9a7e';

/** The real HTTP app and SQLite store, GitLab and Gitea webhooks on; builds stay queued. */
describe('GitLab and Gitea webhooks', () => {
  let hook: HookApp;
  let gitea: ApiRecorder;

  beforeAll(async () => {
    gitea = await new ApiRecorder().start();
    const { config } = testConfig(
      [
        'builds:\n  allowedSchemes: [https, http]',
        `gitlab:\n  webhookToken: ${GITLAB_TOKEN}`,
        `gitea:\n  apiUrl: ${gitea.url}/api/v1\n  webhookSecret: ${GITEA_SECRET}`,
      ].join('\n') + '\n',
    );
    hook = await startHookApp(config);
  });
  afterAll(async () => {
    await hook?.close();
    await gitea?.close();
  });

  const post = (forge: string, req: HookRequest) => hook.post(req, forge);
  const builds = async (repo: string) => (await hook.store.listBuilds({ limit: 500 })).filter((b) => b.repo === repo);
  const delivery = (id: string) => hook.delivery(id);
  const repoUrl = (name: string) => `https://git.example.test/group/${name}.git`;

  describe('GitLab', () => {
    it('a Push Hook queues the pushed branch at checkout_sha, recorded under the GitLab delivery id', async () => {
      const repo = repoUrl('gl-push');
      const p = gitlabRepo(fixture('gitlab', 'push-event'), repo);
      const req = gitlabRequest('Push Hook', p, GITLAB_TOKEN);
      const res = await post('gitlab', req);
      expect(res).toMatchObject({ status: 202, body: { message: 'build scheduled', repo, branch: 'master' } });
      const [build] = await builds(repo);
      const id = `gitlab-${req.headers['x-gitlab-event-uuid']}`;
      expect(build).toMatchObject({ branch: 'master', commit: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', trigger: 'webhook', options: { forge: 'gitlab', webhook: { refType: 'branch', delivery: id } } });
      expect(await delivery(id)).toMatchObject({ event: 'Push Hook', repo, ref: 'master', result: 'built', build_id: build!.id });
      // The same delivery id again, and the same body under a new id: nothing more.
      expect((await post('gitlab', req)).body).toEqual({ message: 'duplicate delivery' });
      expect((await post('gitlab', gitlabRequest('Push Hook', p, GITLAB_TOKEN))).status).toBe(200);
      expect(await builds(repo)).toHaveLength(1);
    });

    it('Idempotency-Key names the delivery when X-Gitlab-Event-UUID is absent', async () => {
      const repo = repoUrl('gl-idem');
      const req = gitlabRequest('Push Hook', gitlabRepo(fixture('gitlab', 'push-event'), repo), GITLAB_TOKEN);
      delete req.headers['x-gitlab-event-uuid'];
      req.headers['idempotency-key'] = 'key-1234';
      expect((await post('gitlab', req)).status).toBe(202);
      expect(await delivery('gitlab-key-1234')).toMatchObject({ result: 'built' });
    });

    it('a Tag Push Hook queues the tag', async () => {
      const repo = repoUrl('gl-tag');
      const res = await post('gitlab', gitlabRequest('Tag Push Hook', gitlabRepo(fixture('gitlab', 'tag-event'), repo), GITLAB_TOKEN));
      expect(res.status).toBe(202);
      expect(await builds(repo)).toMatchObject([{ branch: 'v1.0.0', commit: '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7', options: { forge: 'gitlab', webhook: { refType: 'tag' } } }]);
    });

    it('"build please!" on a merge request builds its source branch at its last commit, settings.matching aside', async () => {
      const repo = repoUrl('gl-mr');
      const p = gitlabRepo(fixture('gitlab', 'comment-merge-request-event'), repo);
      (p.object_attributes as Json).note = '  Build Please!\n';
      const res = await post('gitlab', gitlabRequest('Note Hook', p, GITLAB_TOKEN));
      expect(res).toMatchObject({ status: 202, body: { message: 'build scheduled', branch: 'master' } });
      const [build] = await builds(repo);
      expect(build).toMatchObject({ branch: 'master', commit: '562e173be03b8ff2efb05345d12df18815438a4b', options: { forge: 'gitlab' } });
      expect(build!.options.webhook).toBeUndefined();
    });

    it('a note on an issue, or another note on a merge request, builds nothing', async () => {
      const repo = repoUrl('gl-issue');
      const issue = gitlabRepo(fixture('gitlab', 'comment-issue-event'), repo);
      (issue.object_attributes as Json).note = 'build please!';
      expect(await post('gitlab', gitlabRequest('Note Hook', issue, GITLAB_TOKEN))).toEqual({ status: 202, body: { message: 'ignored: note on an Issue, not a merge request' } });
      const other = gitlabRepo(fixture('gitlab', 'comment-merge-request-event'), repo);
      expect(await post('gitlab', gitlabRequest('Note Hook', other, GITLAB_TOKEN))).toEqual({ status: 202, body: { message: 'ignored: note is not "build please!"' } });
      expect(await builds(repo)).toEqual([]);
    });

    it('a merge request from a fork is not built', async () => {
      const repo = repoUrl('gl-fork');
      const p = gitlabRepo(fixture('gitlab', 'comment-merge-request-event'), repo);
      (p.object_attributes as Json).note = 'build please!';
      (p.merge_request as Json).source_project_id = 99;
      const req = gitlabRequest('Note Hook', p, GITLAB_TOKEN);
      const res = await post('gitlab', req);
      expect(res.status).toBe(202);
      expect(String(res.body.message)).toMatch(/comes from a fork/);
      expect(await builds(repo)).toEqual([]);
      expect((await delivery(`gitlab-${req.headers['x-gitlab-event-uuid']}`))?.result).toMatch(/^ignored: .*fork/);
    });

    it.each([
      ['missing', undefined, /missing X-Gitlab-Token/],
      ['wrong', 'not-the-token', /does not match gitlab.webhookToken/],
      ['a prefix of the right one', GITLAB_TOKEN.slice(0, -1), /does not match/],
    ])('a %s X-Gitlab-Token is refused (401), nothing recorded or queued', async (_name, token, message) => {
      const repo = repoUrl(`gl-token-${String(token).length}`);
      const req = gitlabRequest('Push Hook', gitlabRepo(fixture('gitlab', 'push-event'), repo), token);
      const res = await post('gitlab', req);
      expect(res.status).toBe(401);
      expect(String(res.body.message)).toMatch(message);
      expect(await builds(repo)).toEqual([]);
      expect(await delivery(`gitlab-${req.headers['x-gitlab-event-uuid']}`)).toBeUndefined();
    });

    it('an unknown event is recorded as ignored (202); a malformed or missing event header is refused (400)', async () => {
      const repo = repoUrl('gl-event');
      const body = gitlabRepo(fixture('gitlab', 'push-event'), repo);
      expect(await post('gitlab', gitlabRequest('Bogus Hook', body, GITLAB_TOKEN))).toEqual({ status: 202, body: { message: 'ignored: event "Bogus Hook" is not built' } });
      const bad = await post('gitlab', gitlabRequest('Push Hook; drop', body, GITLAB_TOKEN));
      expect(bad.status).toBe(400);
      expect(String(bad.body.message)).toMatch(/X-Gitlab-Event/);
      const none = gitlabRequest('Push Hook', body, GITLAB_TOKEN);
      delete none.headers['x-gitlab-event'];
      expect((await post('gitlab', none)).status).toBe(400);
      expect(await builds(repo)).toEqual([]);
    });

    it.each([
      ['a Push Hook body under Tag Push Hook', 'Tag Push Hook', () => fixture('gitlab', 'push-event'), /object_kind is not "tag_push"/],
      ['a push without ref', 'Push Hook', () => Object.assign(fixture('gitlab', 'push-event'), { ref: 7 }), /has no ref/],
      ['a push whose after is not a sha', 'Push Hook', () => Object.assign(fixture('gitlab', 'push-event'), { after: 'HEAD; rm' }), /not a commit sha/],
      ['a push without project', 'Push Hook', () => ({ object_kind: 'push', ref: 'refs/heads/master', after: 'a'.repeat(40) }), /no project/],
      ['a note without merge_request', 'Note Hook', () => {
        const p = fixture('gitlab', 'comment-merge-request-event');
        (p.object_attributes as Json).note = 'build please!';
        delete p.merge_request;
        return p;
      }, /no merge_request/],
      ['an array', 'Push Hook', () => '[1, 2]', /must be a JSON object/],
    ])('valid JSON of the wrong shape (%s) is a clear 400, nothing queued', async (_name, event, make, message) => {
      const before = (await hook.store.listBuilds({ limit: 500 })).length;
      const made = make();
      const payload = typeof made === 'string' ? made : gitlabRepo(made, repoUrl('gl-shape'));
      const res = await post('gitlab', gitlabRequest(event, payload, GITLAB_TOKEN));
      expect(res.status).toBe(400);
      expect(String(res.body.message)).toMatch(message);
      expect((await hook.store.listBuilds({ limit: 500 })).length).toBe(before);
    });
  });

  describe('Gitea and Forgejo', () => {
    it('a signed push queues the branch at head_commit; a Forgejo-signed one too', async () => {
      const repo = repoUrl('gt-push');
      const p = giteaRepo(fixture('gitea', 'push-event'), repo);
      const req = giteaRequest('push', p, GITEA_SECRET);
      const res = await post('gitea', req);
      expect(res).toMatchObject({ status: 202, body: { message: 'build scheduled', branch: 'master' } });
      const id = `gitea-${req.headers['x-gitea-delivery']}`;
      expect(await builds(repo)).toMatchObject([{ commit: '67b56589a45103f891bdee7c0546e5d40bc02001', options: { forge: 'gitea', webhook: { refType: 'branch', delivery: id } } }]);
      expect(await delivery(id)).toMatchObject({ event: 'push', result: 'built' });

      const forgejoRepo = repoUrl('fj-push');
      const fj = await post('gitea', giteaRequest('push', giteaRepo(fixture('gitea', 'push-event'), forgejoRepo), GITEA_SECRET, { forgejo: true }));
      expect(fj.status).toBe(202);
      expect(await builds(forgejoRepo)).toHaveLength(1);
    });

    it('a signature over a different body is refused (401), nothing recorded or queued', async () => {
      const repo = repoUrl('gt-sig');
      const p = giteaRepo(fixture('gitea', 'push-event'), repo);
      const other = JSON.stringify({ ...p, ref: 'refs/heads/other' });
      const req = giteaRequest('push', p, GITEA_SECRET, { signedBody: other });
      const res = await post('gitea', req);
      expect(res.status).toBe(401);
      expect(String(res.body.message)).toMatch(/does not match the body/);
      const unsigned = giteaRequest('push', p, GITEA_SECRET);
      delete unsigned.headers['x-gitea-signature'];
      expect((await post('gitea', unsigned)).status).toBe(401);
      const wrongKey = giteaRequest('push', p, 'another-secret');
      expect((await post('gitea', wrongKey)).status).toBe(401);
      expect(await builds(repo)).toEqual([]);
      expect(await delivery(`gitea-${req.headers['x-gitea-delivery']}`)).toBeUndefined();
    });

    it('create and push of one new tag build it once, whichever comes first; the second is a duplicate of that build', async () => {
      for (const order of [['create', 'push'], ['push', 'create']] as const) {
        const repo = repoUrl(`gt-tag-${order[0]}`);
        const sha = '67b56589a45103f891bdee7c0546e5d40bc02001';
        const create = giteaRepo(fixture('gitea', 'create-event'), repo);
        Object.assign(create, { ref: 'v2.0.0', ref_type: 'tag' });
        const push = giteaRepo(fixture('gitea', 'push-event'), repo);
        Object.assign(push, { ref: 'refs/tags/v2.0.0', before: '0'.repeat(40), after: sha });
        const reqs = { create: giteaRequest('create', create, GITEA_SECRET), push: giteaRequest('push', push, GITEA_SECRET) };
        const first = await post('gitea', reqs[order[0]]);
        const second = await post('gitea', reqs[order[1]]);
        expect([first.status, second.status]).toEqual([202, 200]);
        const tagged = await builds(repo);
        expect(tagged).toMatchObject([{ branch: 'v2.0.0', commit: sha }]);
        const d = await delivery(`gitea-${reqs[order[1]].headers['x-gitea-delivery']}`);
        expect(d).toMatchObject({ build_id: tagged[0]!.id, result: expect.stringMatching(/^duplicate: same payload as delivery gitea-/) });
      }
    });

    it('"build please!" on a pull request looks the head up through the API and builds it; a fork is not built', async () => {
      const repo = repoUrl('gt-pr');
      const p = giteaRepo(fixture('gitea', 'pull-request-comment-event'), repo);
      (p.comment as Json).body = 'build please!';
      const number = (p.issue as Json).number as number;
      const pulls = `/api/v1/repos/group/gt-pr/pulls/${number}`;
      gitea.answers.set(pulls, { number, head: { ref: 'feature/x', sha: 'b'.repeat(40), repo_id: 4 }, base: { ref: 'master', repo_id: 4 } });
      const req = giteaRequest('issue_comment', p, GITEA_SECRET);
      const res = await post('gitea', req);
      expect(res.status).toBe(202);
      const id = `gitea-${req.headers['x-gitea-delivery']}`;
      const d = await waitFor(async () => {
        const found = await delivery(id);
        return found?.build_id ? found : undefined;
      }, 10_000, 'the pull request build');
      expect(d.result).toBe('built');
      expect(await builds(repo)).toMatchObject([{ branch: 'feature/x', commit: 'b'.repeat(40), options: { forge: 'gitea' } }]);

      gitea.answers.set(pulls, { number, head: { ref: 'evil', sha: 'c'.repeat(40), repo_id: 5 }, base: { ref: 'master', repo_id: 4 } });
      (p.comment as Json).id = 999;
      const forked = giteaRequest('issue_comment', p, GITEA_SECRET);
      expect((await post('gitea', forked)).status).toBe(202);
      const fd = await waitFor(async () => {
        const found = await delivery(`gitea-${forked.headers['x-gitea-delivery']}`);
        return found && !found.result.startsWith('pending') ? found : undefined;
      }, 10_000, 'the fork to be refused');
      expect(fd.result).toMatch(/comes from a fork/);
      expect(await builds(repo)).toHaveLength(1);
    });

    it('a comment on an issue, an unknown event and a wrong shape build nothing', async () => {
      const repo = repoUrl('gt-misc');
      const issue = giteaRepo(fixture('gitea', 'issue-comment-event'), repo);
      (issue.comment as Json).body = 'build please!';
      expect(await post('gitea', giteaRequest('issue_comment', issue, GITEA_SECRET))).toEqual({ status: 202, body: { message: 'ignored: comment on an issue, not a pull request' } });
      expect(await post('gitea', giteaRequest('wiki', issue, GITEA_SECRET))).toEqual({ status: 202, body: { message: 'ignored: event "wiki" is not built' } });
      expect((await post('gitea', giteaRequest('Push Hook', issue, GITEA_SECRET))).status).toBe(400);
      const shape = await post('gitea', giteaRequest('push', { ref: 'refs/heads/master', after: 'a'.repeat(40) }, GITEA_SECRET));
      expect(shape).toMatchObject({ status: 400, body: { message: 'the payload has no repository' } });
      const noAfter = giteaRepo(fixture('gitea', 'push-event'), repo);
      delete noAfter.after;
      expect(await post('gitea', giteaRequest('push', noAfter, GITEA_SECRET))).toMatchObject({ status: 400, body: { message: expect.stringMatching(/no "after" sha/) } });
      expect(await builds(repo)).toEqual([]);
    });
  });

  it('GitLab and Gitea webhooks are off (404) while their token or secret is unset', async () => {
    const { config } = testConfig('');
    const off = await startHookApp(config);
    try {
      for (const forge of ['gitlab', 'gitea']) {
        const res = await fetch(`${off.url}/public/api/hooks/${forge}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        expect(res.status).toBe(404);
        expect(((await res.json()) as { message: string }).message).toMatch(forge === 'gitlab' ? /gitlab.webhookToken/ : /gitea.webhookSecret/);
      }
      expect(await off.store.listDeliveries({ limit: 10 })).toEqual([]);
    } finally {
      await off.close();
    }
  });
});
