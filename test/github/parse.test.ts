import { describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { parseEvent } from '../../src/forge/github/parse.js';
import { createTag, example, issueComment, ping, prComment, pushDeleted, pushTag, pushToMaster, rewriteRepo } from './fixtures.js';

const REPO = 'http://127.0.0.1:9/octo/app.git';

function badInput(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isRogerError(err, 'bad-input')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected a bad-input error');
}

describe('parseEvent on GitHub recorded payloads', () => {
  it('push to a branch builds that branch at the pushed commit', () => {
    const p = pushToMaster();
    expect(parseEvent('push', p)).toEqual({
      kind: 'build',
      repo: 'https://github.com/Codertocat/Hello-World.git',
      ref: 'master',
      refType: 'branch',
      commit: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      identity: `github push https://github.com/Codertocat/Hello-World.git branch master ${'0'.repeat(40)}..6113728f27ae82c7b1a177c8d03f9e96e0adf246`,
    });
  });

  it('push of a tag builds the tag', () => {
    expect(parseEvent('push', rewriteRepo(pushTag(), REPO))).toMatchObject({ kind: 'build', repo: REPO, ref: 'simple-tag', refType: 'tag' });
  });

  it('push deleting a ref builds nothing and says why', () => {
    expect(parseEvent('push', pushDeleted())).toMatchObject({ kind: 'ignore', reason: 'tag "simple-tag" was deleted' });
    const p = pushToMaster();
    p.deleted = true;
    expect(parseEvent('push', p)).toMatchObject({ kind: 'ignore', reason: 'branch "master" was deleted' });
    const zeros = pushToMaster();
    zeros.after = '0'.repeat(40);
    expect(parseEvent('push', zeros)).toMatchObject({ kind: 'ignore' });
  });

  it('push to a ref that is neither branch nor tag is ignored', () => {
    const p = pushToMaster();
    p.ref = 'refs/notes/commits';
    expect(parseEvent('push', p)).toMatchObject({ kind: 'ignore', reason: expect.stringContaining('neither a branch nor a tag') });
  });

  it('create of a tag builds the tag (commit unknown); create of a branch is left to the push', () => {
    expect(parseEvent('create', createTag())).toMatchObject({ kind: 'build', ref: 'simple-tag', refType: 'tag', commit: undefined });
    const branch = createTag();
    branch.ref_type = 'branch';
    expect(parseEvent('create', branch)).toMatchObject({ kind: 'ignore' });
  });

  it('ping is a ping, with or without a repository', () => {
    expect(parseEvent('ping', ping())).toEqual({ kind: 'ping' });
    expect(parseEvent('ping', example('ping', (p) => p.repository === undefined))).toEqual({ kind: 'ping' });
  });

  it('"build please!" on a pull request (trimmed, any case) asks for that pull request', () => {
    for (const body of ['build please!', '  Build Please!\n', 'BUILD PLEASE!']) {
      const p = prComment(REPO, 7, body);
      const identity = `github ${REPO} pull/7 comment ${String((p.comment as Record<string, unknown>).id)}`;
      expect(parseEvent('issue_comment', p)).toEqual({ kind: 'request', repo: REPO, number: 7, owner: 'octo', name: 'app', identity });
    }
  });

  it('other comments, comments on issues, edits and deletions build nothing', () => {
    expect(parseEvent('issue_comment', issueComment())).toMatchObject({ kind: 'ignore', reason: 'comment on an issue, not a pull request' });
    expect(parseEvent('issue_comment', prComment(REPO, 7, 'build please'))).toMatchObject({ kind: 'ignore' });
    expect(parseEvent('issue_comment', prComment(REPO, 7, 'please build please!'))).toMatchObject({ kind: 'ignore' });
    const edited = prComment(REPO, 7);
    edited.action = 'edited';
    expect(parseEvent('issue_comment', edited)).toMatchObject({ kind: 'ignore', reason: 'comment edited, not created' });
    const deleted = example('issue_comment', (p) => p.action === 'deleted');
    expect(parseEvent('issue_comment', deleted)).toMatchObject({ kind: 'ignore' });
  });

  it('events Roger does not build are ignored with the event named', () => {
    expect(parseEvent('star', { action: 'created' })).toEqual({ kind: 'ignore', reason: 'event "star" is not built' });
  });
});

describe('parseEvent on hostile payloads', () => {
  it('refuses a payload without repository', () => {
    for (const event of ['push', 'create', 'issue_comment']) {
      const p = event === 'push' ? pushToMaster() : event === 'create' ? createTag() : prComment(REPO, 1);
      delete p.repository;
      expect(badInput(() => parseEvent(event, p))).toBe('the payload has no repository');
    }
    const p = pushToMaster();
    p.repository = 'https://github.com/a/b';
    expect(badInput(() => parseEvent('push', p))).toBe('the payload has no repository');
  });

  it('falls back to html_url, and refuses a repository with neither URL', () => {
    const p = pushToMaster();
    const repo = p.repository as Record<string, unknown>;
    delete repo.clone_url;
    expect(parseEvent('push', p)).toMatchObject({ repo: 'https://github.com/Codertocat/Hello-World' });
    delete repo.html_url;
    expect(badInput(() => parseEvent('push', p))).toMatch(/neither clone_url nor html_url/);
  });

  it.each([
    ['refs/heads/-oops', /starts with '-'/],
    ['refs/heads/--upload-pack=touch /tmp/x', /starts with '-'/],
    ['refs/heads/a..b', /'\.\.'/],
    ['refs/heads/has space', /a space/],
    ['refs/heads/new\nline', /newline/],
    ['refs/heads/x.lock', /\.lock/],
    ['refs/heads/', /empty/],
    ['refs/tags/v1^{}', /'\^'/],
  ])('refuses the ref %j', (ref, problem) => {
    const p = pushToMaster();
    p.ref = ref;
    expect(badInput(() => parseEvent('push', p))).toMatch(problem);
  });

  it('refuses a create with a bad tag name, a push without ref, a push with a non-sha commit', () => {
    const c = createTag();
    c.ref = '-tag';
    expect(badInput(() => parseEvent('create', c))).toMatch(/starts with '-'/);
    const noRef = pushToMaster();
    delete noRef.ref;
    expect(badInput(() => parseEvent('push', noRef))).toMatch(/no ref/);
    const badSha = pushToMaster();
    badSha.head_commit = { id: '--exec=evil' };
    expect(badInput(() => parseEvent('push', badSha))).toMatch(/not a commit sha/);
  });

  it('refuses "build please!" with a bad issue number or owner', () => {
    const n = prComment(REPO, 1);
    (n.issue as Record<string, unknown>).number = '1; rm -rf';
    expect(badInput(() => parseEvent('issue_comment', n))).toMatch(/issue number/);
    const o = prComment(REPO, 1);
    ((o.repository as Record<string, unknown>).owner as Record<string, unknown>).login = '../../admin';
    expect(badInput(() => parseEvent('issue_comment', o))).toMatch(/owner/);
  });
});
