import { describe, expect, it } from 'vitest';
import { refusal as refusedAs } from '../helpers/buildfile.js';

const refusal = (text: string, fileName?: string): string => refusedAs(text, { fileName });

describe('parseBuildFile: refusals carry file:line:col', () => {
  it('reports invalid YAML with its line', () => {
    expect(refusal('app:\n  notify: [github\n  registry: x\n')).toMatch(/^build\.yml:3:\d+ /);
    expect(refusal('app: {}\napp: {}\n')).toBe('build.yml:2:1 Map keys must be unique');
    expect(refusal('app:\n  notify: []\n  registry: r\n  notify: [x]\n')).toBe('build.yml:4:3 Map keys must be unique');
    expect(refusal('app: { notify: [], notify: [] }\n')).toBe('build.yml:1:20 Map keys must be unique');
    expect(refusal('a: 1\n---\nb: 2\n', 'x/build.yml')).toMatch(/^x\/build\.yml:2:1 a build file holds one YAML document/);
  });

  it('reports an unknown key at the key, with a hint', () => {
    expect(refusal('app:\n  dockerfilepath: x\n')).toBe(
      'build.yml:2:3 app: unknown key "dockerfilepath" (did you mean "dockerfilePath"?)',
    );
    expect(refusal('app:\n  afterBuild: [x]\n')).toContain('(did you mean "after-build"?)');
    expect(refusal('app:\n  publish:\n    - { to: s3, copy: /a, bucket: b, acl: public }\n')).toBe(
      'build.yml:3:38 app.publish[0]: unknown key "acl"',
    );
    expect(refusal('settings:\n  matching: {}\n  other: 1\n')).toBe('build.yml:3:3 settings: unknown key "other"');
  });

  it('refuses project names that cannot name an image', () => {
    expect(refusal('app: {}\nMy App: {}\n')).toMatch(/^build\.yml:2:1 "My App" is not a valid project name/);
    expect(refusal(`${'a'.repeat(129)}: {}\n`)).toMatch(/^build\.yml:1:1 project name .* longer than 128/);
    expect(refusal('-app: {}\n')).toMatch(/not a valid project name/);
    expect(refusal('[a, b]\n')).toBe('build.yml:1:1 expected a map of project names, got a list');
  });

  it('refuses wrong types, pointing at the value', () => {
    expect(refusal('app:\n  notify: github\n')).toBe('build.yml:2:11 app.notify: expected a list, got a string');
    expect(refusal('app:\n  after-build: 3\n')).toBe('build.yml:2:16 app.after-build: expected a string or a list, got a number');
    expect(refusal('app:\n  after-build: [ok, 3]\n')).toBe('build.yml:2:21 app.after-build[1]: expected a string, got a number');
    expect(refusal('app: 5\n')).toBe('build.yml:1:6 app: expected a map, got a number');
    expect(refusal('app:\n  publish: [{ to: ftp, copy: /a, bucket: b }]\n')).toBe('build.yml:2:19 app.publish[0].to: must be "s3"');
    expect(refusal('settings:\n  matching: { tags: yes }\n')).toMatch(/^build\.yml:2:21 settings\.matching\.tags: expected true or false/);
  });

  it('requires both build keys when build is present', () => {
    expect(refusal('app:\n  build:\n    dockerfile: Dockerfile.build\n')).toBe(
      'build.yml:3:5 app.build: missing required key "extract"',
    );
    expect(refusal('app:\n  build: { extract: /src }\n')).toBe('build.yml:2:10 app.build: missing required key "dockerfile"');
  });

  it('refuses paths that leave the repository or are absolute', () => {
    expect(refusal('app:\n  dockerfilePath: ../..\n')).toBe('build.yml:2:19 app.dockerfilePath: "../.." leaves the repository');
    expect(refusal('app:\n  dockerfilePath: a/../../b\n')).toContain('leaves the repository');
    expect(refusal('app:\n  dockerfilePath: /etc\n')).toBe(
      'build.yml:2:19 app.dockerfilePath: "/etc" is an absolute path; give a path relative to the repository',
    );
    expect(refusal('app:\n  revfile: ../x\n')).toContain('app.revfile: "../x" leaves the build context');
    expect(refusal('app:\n  dockerfile: /Dockerfile\n')).toContain('app.dockerfile: "/Dockerfile" is an absolute path');
    expect(refusal('app:\n  dockerfile: .\n')).toContain('does not name a file');
    expect(refusal('app:\n  build: { dockerfile: ../D, extract: /src }\n')).toContain('app.build.dockerfile: "../D" leaves');
    expect(refusal('app:\n  dockerfilePath: "a\\0b"\n')).toContain('contains a NUL byte or a line break');
    expect(refusal('app:\n  build: { dockerfile: D, extract: "/src\\n" }\n')).toContain('app.build.extract: "/src\\n" contains');
    expect(refusal('app:\n  publish: [{ to: s3, copy: "", bucket: b }]\n')).toContain('app.publish[0].copy: must not be empty');
  });

  it('refuses bad matching patterns and those a linear-time engine cannot run', () => {
    expect(refusal("settings:\n  matching:\n    patterns: ['^v(']\n")).toMatch(
      /^build\.yml:3:16 settings\.matching\.patterns\[0\]: pattern "\^v\(" is not a regular expression .*missing closing \)/,
    );
    expect(refusal("settings:\n  matching:\n    patterns: ['ok', '^(?!main)']\n")).toMatch(
      /^build\.yml:3:22 settings\.matching\.patterns\[1\]: pattern .* \(RE2 syntax; no lookaround or backreferences\)/,
    );
    expect(refusal(`settings:\n  matching:\n    patterns: ['${'a'.repeat(201)}']\n`)).toContain('the limit is 200');
  });

  it('refuses a registry with a scheme', () => {
    expect(refusal('app:\n  registry: https://r.example.com\n')).toContain('app.registry: give the registry as host[:port]');
  });

  it('points into an anchor when the bad value comes from it', () => {
    expect(refusal('base: &b\n  notify: slack\napp:\n  <<: *b\n')).toMatch(/^build\.yml:2:11 base\.notify: expected a list/);
  });

  it('reports several problems, one line each, in file order', () => {
    const lines = refusal('b:\n  registry: 1\na:\n  bogus: 1\n  dockerfilePath: /x\n').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['build.yml:2:13', 'build.yml:4:3', 'build.yml:5:19']);
  });

  it('reports a repeated project name', () => {
    expect(refusal('1: {}\n"1": {}\n')).toMatch(/^build\.yml:2:1 project "1" appears twice/);
  });
});
