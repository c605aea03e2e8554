import { describe, expect, it } from 'vitest';
import { parseBuildFile } from '../../src/buildfile/parse.js';

const repo = 'https://github.com/company/redis.git';
const parse = (text: string) => parseBuildFile(text, { repo });

describe('parseBuildFile: valid files', () => {
  it('reads every key of a project', () => {
    const file = parse(`
redis-server:
  dockerfilePath: some/dir/
  registry: 127.0.0.1:5001
  revfile: ./meta
  dockerfile: Dockerfile.prod
  build: { dockerfile: Dockerfile.build, extract: /src }
  after-build: [ "npm test", "npm run lint" ]
  notify: [ github, slack, emailSes ]
  publish:
    - { to: s3, copy: /src/public/, bucket: b, bucketPath: p, command: "gulp build" }
    - { to: s3, copy: dist, bucket: c }
`);
    expect(file.matching).toBeUndefined();
    expect(file.projects).toEqual([
      {
        name: 'redis-server',
        dockerfilePath: 'some/dir',
        registry: '127.0.0.1:5001',
        revfile: 'meta',
        dockerfile: 'Dockerfile.prod',
        build: { dockerfile: 'Dockerfile.build', extract: '/src' },
        afterBuild: ['npm test', 'npm run lint'],
        notify: ['github', 'slack', 'emailSes'],
        publish: [
          { to: 's3', copy: '/src/public/', bucket: 'b', bucketPath: 'p', command: 'gulp build' },
          { to: 's3', copy: '/dist', bucket: 'c' },
        ],
      },
    ]);
  });

  it('fills defaults for a project without settings, and keeps the file order', () => {
    const file = parse('web:\n2048: {}\nnamshi/api: ~\n');
    expect(file.projects.map((p) => p.name)).toEqual(['web', '2048', 'namshi/api']);
    expect(file.projects[0]).toEqual({
      name: 'web',
      dockerfilePath: '.',
      dockerfile: 'Dockerfile',
      afterBuild: [],
      notify: [],
      publish: [],
    });
  });

  it('treats empty values of optional keys as not set', () => {
    const [project] = parse('app:\n  registry:\n  notify:\n  build: ~\n  after-build:\n').projects;
    expect(project).toEqual({ name: 'app', dockerfilePath: '.', dockerfile: 'Dockerfile', afterBuild: [], notify: [], publish: [] });
  });

  it('accepts after-build as a single command', () => {
    expect(parse('app:\n  after-build: npm test\n').projects[0].afterBuild).toEqual(['npm test']);
  });

  it('gives an empty file one project named after the repository', () => {
    for (const text of ['', '\n', '# just a comment\n', '---\n']) {
      expect(parse(text).projects.map((p) => p.name)).toEqual(['redis']);
    }
    expect(parseBuildFile('', { repo: '/srv/git/My_Repo.git/' }).projects[0].name).toBe('my_repo');
    expect(parseBuildFile('', { repo: 'git@host:Some Thing!' }).projects[0].name).toBe('some-thing');
  });

  it('reads settings.matching, with defaults for missing parts', () => {
    const file = parse(String.raw`
app: {}
settings:
  matching: { branches: [master], patterns: ['^v\d+\.\d+\.\d+$', '^release-'], tags: true }
`);
    expect(file.matching).toEqual({ branches: ['master'], patterns: ['^v\\d+\\.\\d+\\.\\d+$', '^release-'], tags: true });
    expect(parse('settings:\n  matching:\n    branches: [main]\n').matching).toEqual({
      branches: ['main'],
      patterns: [],
      tags: false,
    });
    expect(parse('settings: ~\n').matching).toBeUndefined();
  });

  it('gives a file with only settings the default project', () => {
    const file = parse('settings:\n  matching: { tags: true }\n');
    expect(file.projects.map((p) => p.name)).toEqual(['redis']);
    expect(file.matching?.tags).toBe(true);
  });

  it('supports anchors and merge keys for shared settings', () => {
    const file = parse(`
base: &base
  notify: [slack]
  registry: registry.example.com
api:
  <<: *base
  dockerfilePath: api
`);
    expect(file.projects[1]).toMatchObject({ name: 'api', notify: ['slack'], registry: 'registry.example.com', dockerfilePath: 'api' });
  });

  it('normalises paths that stay inside', () => {
    const [project] = parse('app:\n  dockerfilePath: a/./b/../c\n  revfile: ""\n  build: { dockerfile: x/../Dockerfile.b, extract: src/../out/ }\n').projects;
    expect(project.dockerfilePath).toBe('a/c');
    expect(project.build).toEqual({ dockerfile: 'Dockerfile.b', extract: '/out/' });
  });
});
