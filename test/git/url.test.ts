import { describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { checkRefName, checkRepoUrl, schemeOf } from '../../src/git/url.js';

const ALL = ['https', 'http', 'ssh', 'git', 'file'];

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isRogerError(err, 'bad-input')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected a bad-input error');
}

describe('schemeOf', () => {
  it.each([
    ['https://github.com/a/b.git', 'https'],
    ['HTTP://host/a', 'http'],
    ['ssh://git@github.com/a/b', 'ssh'],
    ['git+ssh://git@host/a', 'ssh'],
    ['git://host/a', 'git'],
    ['file:///srv/repo', 'file'],
    ['git@github.com:a/b.git', 'ssh'],
    ['host:path', 'ssh'],
    ['[host:22]:path', 'ssh'],
    ['/srv/repo', 'file'],
    ['./repo', 'file'],
    ['./a:b', 'file'],
    ['repo', 'file'],
    ['ext::sh -c x', 'ext'],
    ['ftp://host/x', 'ftp'],
  ])('%s is %s', (url, scheme) => {
    expect(schemeOf(url)).toBe(scheme);
  });
});

describe('checkRepoUrl', () => {
  it.each([
    'https://github.com/namshi/roger.git',
    'http://127.0.0.1:8080/x.git',
    'HTTPS://GitHub.com:443/a/b.git',
    'https://git_host.internal:8443/x.git',
    'https://[::1]:8443/x.git',
    'ssh://git@github.com:22/a/b.git',
    'ssh://git@[::1]:22/a/b.git',
    'git@github.com:namshi/roger.git',
    'git://example.com/x.git',
    'file:///srv/repo.git',
    '/srv/repo',
  ])('accepts %s', (url) => {
    expect(checkRepoUrl(url, ALL)).toBe(url);
  });

  it.each([
    ['', /empty/],
    ['x'.repeat(2049), /longer than 2048/],
    ['--upload-pack=touch /tmp/x', /starts with '-'/],
    ['-oProxyCommand=touch /tmp/x', /starts with '-'/],
    ['ext::sh -c touch% /tmp/x', /transport>::/],
    ['fd::17', /transport>::/],
    ['https::https://example.com/x', /transport>::/],
    ['ssh://-oProxyCommand=x/y', /host starts with '-'/],
    ['ssh://%2DoProxyCommand=x/y', /host starts with '-'/],
    ['ssh://git@-oProxyCommand=x/y', /host starts with '-'/],
    ['ssh://-oUser@host/y', /user name starts with '-'/],
    ['ssh://host:-p/y', /port starts with '-'/],
    ['ssh://host%0a/y', /control/],
    ['ssh://host%zz/y', /percent/],
    ['git@-oProxyCommand=x:y', /host starts with '-'/],
    ['https://example.com/a b', /whitespace/],
    ['https://example.com/a\nb', /whitespace/],
    ['https://example.com/a\0b', /control/],
    ['https:///x', /no host/],
    ['ftp://example.com/x', /'ftp' is not supported/],
    // One host for every reader: Node's URL parser and git's curl must agree on where a token goes.
    ['https://github.com\\@evil.example/x', /backslash/],
    ['https://github.com%5C@evil.example/x', /encoded backslash/],
    ['https://github.com%5c@evil.example/x', /encoded backslash/],
    ['https://a\\b@evil.example/x', /backslash/],
    ['ssh://git@github.com\\@evil.example/x', /backslash/],
    ['https://user:pw@example.com/x.git', /must not carry credentials/],
    ['https://TOKEN@example.com/x.git', /must not carry credentials/],
    ['https://github.com@evil.example/x', /must not carry credentials/],
    ['https://github.com%40evil.example/x', /credentials/],
    ['https://github%2Ecom/x', /percent-encoded/],
    ['git://user@example.com/x', /must not carry credentials/],
    ['ssh://git:pw@example.com/x', /must not carry credentials/],
    ['https://g\u0456thub.com/x', /xn-- form/],
    ['https://github.com./x', /ends with '\.'/],
    ['https://0x7f.1/x', /reads differently/],
    ['https://127.1/x', /reads differently/],
    ['https://example.com:44x/x', /not a number/],
  ])('refuses %j', (url, why) => {
    expect(refusal(() => checkRepoUrl(url, ALL))).toMatch(why);
  });

  it('enforces the allowed schemes, including file for local paths and scp-like ssh', () => {
    const httpsOnly = ['https'];
    expect(refusal(() => checkRepoUrl('file:///etc', httpsOnly))).toMatch(/scheme 'file' is not allowed \(allowed: https\)/);
    expect(refusal(() => checkRepoUrl('/etc', httpsOnly))).toMatch(/'file' is not allowed/);
    expect(refusal(() => checkRepoUrl('git@github.com:a/b', httpsOnly))).toMatch(/'ssh' is not allowed/);
    expect(refusal(() => checkRepoUrl('http://example.com/x', httpsOnly))).toMatch(/'http' is not allowed/);
    expect(checkRepoUrl('https://example.com/x', ['HTTPS'])).toBe('https://example.com/x');
  });

  it('does not echo a password from a refused URL', () => {
    const msg = refusal(() => checkRepoUrl('http://me:s3cret@example.com/x', ['https']));
    expect(msg).not.toContain('s3cret');
    expect(msg).toContain('http://me:***@example.com/x');
  });
});

describe('checkRefName', () => {
  it.each(['master', 'main', 'feature/x-1', 'v1.0.0', 'release/2024.01', 'a+b', 'ünïcode'])('accepts %s', (ref) => {
    expect(checkRefName(ref)).toBe(ref);
  });

  it.each([
    ['', /empty/],
    ['x'.repeat(256), /longer than 255/],
    ['--foo', /starts with '-'/],
    ['--upload-pack=touch /tmp/x', /starts with '-'/],
    ['../../x', /'\.\.'|starts with '\.'/],
    ['a\nb', /newline/],
    ['a\rb', /newline/],
    ['a\tb', /control/],
    ['a..b', /'\.\.'/],
    ['x.lock', /\.lock/],
    ['a/x.lock/b', /\.lock/],
    ['a b', /space/],
    ['a~1', /'~'/],
    ['a^', /'\^'/],
    ['a:b', /':'/],
    ['a?', /'\?'/],
    ['a*', /'\*'/],
    ['a[', /'\['/],
    ['a\\b', /'\\'/],
    ['a@{1}', /'@\{'/],
    ['@', /'@'/],
    ['x.', /ends with '\.'/],
    ['x/', /ends with '\/'/],
    ['/x', /starts with '\/'/],
    ['a//b', /'\/\/'/],
    ['a/.b', /starts with '\.'/],
    ['.a', /starts with '\.'/],
  ])('refuses %j', (ref, why) => {
    expect(refusal(() => checkRefName(ref))).toMatch(why);
  });
});
