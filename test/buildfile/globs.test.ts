import { describe, expect, it } from 'vitest';
import { compileGlobs, globProblem } from '../../src/buildfile/globs.js';
import { parseBuildFile } from '../../src/buildfile/parse.js';
import { projectSkip } from '../../src/pipeline/changes.js';
import { defaultProject } from '../../src/buildfile/interpret.js';
import { refusal as refusedAs } from '../helpers/buildfile.js';

const REPO = 'https://github.com/company/mono';
const refusal = (text: string): string => refusedAs(text, { repo: REPO });

describe('path globs', () => {
  it('match as .gitignore lines do', () => {
    const cases: [string[], string, boolean][] = [
      [['*.md'], 'README.md', true],
      [['*.md'], 'docs/deep/a.md', true],
      [['*.md'], 'a.mdx', false],
      [['docs/*.md'], 'docs/a.md', true],
      [['docs/*.md'], 'docs/x/a.md', false],
      [['docs/*.md'], 'x/docs/a.md', false],
      [['api/'], 'api/x.go', true],
      [['api/'], 'api', false],
      [['api'], 'api/x.go', true],
      [['api'], 'sub/api/x', true],
      [['/api'], 'sub/api/x', false],
      [['/api'], 'api/main.go', true],
      [['**/test/**'], 'a/b/test/c.js', true],
      [['a/**/b'], 'a/b', true],
      [['a/**/b'], 'a/x/y/b', true],
      [['a/**/b'], 'xa/b', false],
      [['**'], 'any/where', true],
      [['[ab].txt'], 'a.txt', true],
      [['[!ab].txt'], 'a.txt', false],
      [['[!ab].txt'], 'c.txt', true],
      [['?.txt'], 'a.txt', true],
      [['?.txt'], 'ab.txt', false],
      [['\\*.txt'], '*.txt', true],
      [['\\*.txt'], 'a.txt', false],
      [['a+b(c)|d.txt'], 'a+b(c)|d.txt', true],
      [['a+b(c)|d.txt'], 'aab(c)|d.txt', false],
      [['[unclosed'], '[unclosed', true],
      [['services/a/**', '!services/a/*.md'], 'services/a/README.md', false],
      [['services/a/**', '!services/a/*.md'], 'services/a/main.go', true],
    ];
    for (const [globs, path, expected] of cases) {
      expect(compileGlobs(globs).matches(path), `${globs.join(',')} on ${path}`).toBe(expected);
    }
  });

  it('matches hostile globs against long paths in linear time', () => {
    const path = `${'a/'.repeat(2000)}${'a'.repeat(50_000)}`;
    for (const glob of ['*a*a*a*a*a*a*a*b', '**/*a*a*a*a*a*a*a*a*a*a*b', 'a/**/a/**/a/**/a/**/a/**/b', '*?*?*?*?*?*?*?*?*b', '[a]*[a]*[a]*[a]*[a]*[a]*b']) {
      expect(globProblem(glob), glob).toBeUndefined();
      const matcher = compileGlobs([glob]);
      const started = performance.now();
      expect(matcher.matches(path), glob).toBe(false);
      const ms = performance.now() - started;
      // A backtracking engine takes hours here; RE2 takes milliseconds. The bound is generous for a loaded machine.
      expect(ms, glob).toBeLessThan(5_000);
    }
  });

  it('refuses globs that name nothing or are too long', () => {
    expect(globProblem('')).toMatch(/names no file/);
    expect(globProblem('/')).toMatch(/names no file/);
    expect(globProblem('!')).toMatch(/names no file/);
    expect(globProblem('a'.repeat(501))).toMatch(/limit is 500/);
    expect(globProblem('src/**')).toBeUndefined();
  });
});

describe('paths and paths-ignore in build.yml', () => {
  it('are read per project, with rebuildDependents from the project or settings', () => {
    const file = parseBuildFile(
      "api:\n  paths: [services/api/**, 'lib/*.go']\n  paths-ignore: ['*.md']\nweb:\n  rebuildDependents: true\nsettings:\n  rebuildDependents: false\n",
      { repo: REPO },
    );
    const [api, web] = file.projects;
    expect(api).toMatchObject({ name: 'api', paths: ['services/api/**', 'lib/*.go'], pathsIgnore: ['*.md'], rebuildDependents: false });
    expect(web).toMatchObject({ name: 'web', rebuildDependents: true });
    expect(web?.paths).toBeUndefined();
  });

  it('refuses bad globs with their line and column', () => {
    expect(refusal("api:\n  paths: ['']\n")).toBe('build.yml:2:11 api.paths[0]: glob "" names no file; use "**" for every file');
    expect(refusal('api:\n  paths-ignore: docs\n')).toBe('build.yml:2:17 api.paths-ignore: expected a list, got a string');
    expect(refusal('api:\n  paths: [a, 3]\n')).toBe('build.yml:2:14 api.paths[1]: expected a string, got a number');
    expect(refusal('api:\n  paths_ignore: [a]\n')).toBe('build.yml:2:3 api: unknown key "paths_ignore" (did you mean "paths-ignore"?)');
    expect(refusal('settings:\n  rebuildDependents: no\n')).toMatch(/^build\.yml:2:22 settings\.rebuildDependents: expected true or false/);
  });
});

describe('projectSkip', () => {
  const project = (paths?: string[], pathsIgnore?: string[]) => ({ ...defaultProject('api'), ...(paths && { paths }), ...(pathsIgnore && { pathsIgnore }) });

  it('builds when a changed file counts, skips with the reason otherwise', () => {
    const changed = ['services/api/main.go', 'README.md'];
    expect(projectSkip(project(['services/api/**']), changed)).toBeUndefined();
    expect(projectSkip(project(['services/web/**']), changed)).toBe('no changed file matches paths');
    expect(projectSkip(project(undefined, ['*.md', 'services/**']), changed)).toBe('every changed file matches paths-ignore');
    expect(projectSkip(project(undefined, ['*.md']), changed)).toBeUndefined();
    expect(projectSkip(project(['services/**'], ['services/api/**']), changed)).toBe('no changed file matches paths but not paths-ignore');
    expect(projectSkip(project(['**'], ['*.md']), ['README.md', 'x.txt'])).toBeUndefined();
  });

  it('a glob that matches nothing skips the project, and an empty change set skips a filtered project', () => {
    expect(projectSkip(project(['no/such/dir/**']), ['a', 'b/c'])).toBe('no changed file matches paths');
    expect(projectSkip(project(['**']), [])).toBe('no changed file matches paths');
    expect(projectSkip(project(), [])).toBeUndefined();
  });
});
