import { describe, expect, it } from 'vitest';
import { parseBuildFile } from '../../src/buildfile/parse.js';
import { refusal as refusedAs } from '../helpers/buildfile.js';

const REPO = 'https://github.com/company/redis';
const refusal = (text: string): string => refusedAs(text, { repo: REPO });

describe('build.yml `agent:` labels', () => {
  it('reads each project\'s labels and what the build asks for together', () => {
    const file = parseBuildFile('api:\n  agent: { pool: big }\nworker:\n  agent:\n    arch: arm64\n    pool: big\nweb: {}\n', { repo: REPO });
    expect(file.projects.map((p) => p.agent)).toEqual([{ pool: 'big' }, { arch: 'arm64', pool: 'big' }, undefined]);
    expect(file.agent).toEqual({ pool: 'big', arch: 'arm64' });
  });

  it('asks for nothing when no project has labels, or they are empty', () => {
    expect(parseBuildFile('app: {}\n', { repo: REPO }).agent).toBeUndefined();
    expect(parseBuildFile('app:\n  agent:\n', { repo: REPO }).agent).toBeUndefined();
    expect(parseBuildFile('app:\n  agent: {}\n', { repo: REPO }).agent).toBeUndefined();
  });

  it('refuses bad labels at their line', () => {
    expect(refusal('app:\n  agent: big\n')).toMatch(/^build\.yml:2:10 app\.agent: expected a map/);
    expect(refusal('app:\n  agent: [pool, big]\n')).toMatch(/^build\.yml:2:10 app\.agent: expected a map/);
    expect(refusal('app:\n  agent:\n    pool: 3\n')).toMatch(/^build\.yml:3:11 app\.agent\.pool: expected a string/);
    expect(refusal('app:\n  agent:\n    "po ol": big\n')).toMatch(/^build\.yml:3:\d+ app\.agent.*label key/);
    expect(refusal("app:\n  agent:\n    pool: \"x' or 1=1 --\"\n")).toMatch(/^build\.yml:3:11 app\.agent\.pool: a label value/);
    expect(refusal(`app:\n  agent:\n    pool: ${'v'.repeat(129)}\n`)).toMatch(/^build\.yml:3:11 app\.agent\.pool: a label value/);
    const many = Array.from({ length: 33 }, (_, i) => `    k${i}: v`).join('\n');
    expect(refusal(`app:\n  agent:\n${many}\n`)).toMatch(/^build\.yml:3:\d+ app\.agent: at most 32 labels/);
  });

  it('refuses two projects asking different values of one label, at the second', () => {
    expect(refusal('api:\n  agent: { pool: big }\nworker:\n  agent: { pool: small }\n')).toBe(
      'build.yml:4:18 worker.agent.pool: project "api" asks for pool=big; one agent runs every project of a build',
    );
  });
});
