import { describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { MAX_BUILDFILE_BYTES, parseBuildFile } from '../../src/buildfile/parse.js';

/** Parses `text`, expecting a bad-input refusal; returns its message and how long it took. */
function timedRefusal(text: string, maxProjects?: number): { message: string; ms: number } {
  const started = performance.now();
  try {
    parseBuildFile(text, { repo: 'r', maxProjects });
  } catch (err) {
    expect(isRogerError(err, 'bad-input')).toBe(true);
    return { message: (err as Error).message, ms: performance.now() - started };
  }
  throw new Error('expected the build file to be refused');
}

describe('parseBuildFile: resource limits', () => {
  it('refuses a YAML alias bomb quickly', () => {
    let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    const names = 'bcdefghi';
    for (const [i, name] of [...names].entries()) {
      const previous = i === 0 ? 'a' : names[i - 1];
      text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
    }
    const { message, ms } = timedRefusal(text);
    expect(message).toMatch(/^build\.yml:\d+:\d+ too many YAML aliases/);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses a 5 MB file up front', () => {
    const text = `app:\n  notify: [${'"x",'.repeat((5 * 1024 * 1024) / 4)}]\n`;
    const { message, ms } = timedRefusal(text);
    expect(message).toBe(`build.yml:1:1 file is ${Buffer.byteLength(text)} bytes; the limit is ${MAX_BUILDFILE_BYTES} (1 MB)`);
    // Parsing 5 MB of YAML takes seconds; refusing it by size alone takes no time, even on a busy machine.
    expect(ms).toBeLessThan(1000);
  });

  it('counts bytes, not characters', () => {
    const { message } = timedRefusal(`# ${'é'.repeat(600 * 1024)}\n`);
    expect(message).toMatch(/file is \d+ bytes/);
  });

  it('refuses deep nesting before the recursive parser sees it', () => {
    for (const text of ['['.repeat(400_000), '{a: '.repeat(200_000), '- '.repeat(400_000), `a: ${'['.repeat(101)}`]) {
      const { message, ms } = timedRefusal(text);
      expect(message).toMatch(/^build\.yml:1:\d+ nested too deeply/);
      expect(ms).toBeLessThan(1500);
    }
  });

  it('does not count indentation inside block scalars or comments as nesting', () => {
    const deep = ' '.repeat(150);
    const file = parseBuildFile(`app:\n  after-build:\n    - |\n${deep}echo hi\n${deep}# note\n  notify: [a,\n${deep}b]\n`, { repo: 'r' });
    expect(file.projects[0].notify).toEqual(['a', 'b']);
  });

  it('caps the number of reported problems', () => {
    const text = Array.from({ length: 30 }, (_, i) => `p${i}: { bogus: 1 }`).join('\n');
    const lines = timedRefusal(text).message.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('build.yml: 10 more problems not shown');
  });

  it('locates 30,000 invalid project names in linear time, reporting the first 20', () => {
    // Each problem's location was found by scanning the whole top-level map: minutes for 90,000 names.
    const text = Array.from({ length: 30_000 }, (_, i) => `B${i}:`).join('\n');
    const { message, ms } = timedRefusal(text, 100_000);
    const lines = message.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[0]).toMatch(/^build\.yml:1:1 "B0" is not a valid project name/);
    expect(lines[19]).toMatch(/^build\.yml:20:1 "B19" is not a valid project name/);
    expect(lines[20]).toBe('build.yml: 29980 more problems not shown');
    expect(ms).toBeLessThan(15_000);
  });

  it('refuses more projects than maxProjects, pointing at the first one too many', () => {
    const text = Array.from({ length: 1500 }, (_, i) => `p${i}: {}`).join('\n');
    const { message, ms } = timedRefusal(text);
    expect(message).toBe('build.yml:51:1 1500 projects; a build.yml may list at most 50 (builds.maxProjects)');
    expect(ms).toBeLessThan(5000);
    expect(() => parseBuildFile(text, { repo: 'r', maxProjects: 1499 })).toThrow(/^build\.yml:1500:1 1500 projects; .* at most 1499 /);
    expect(parseBuildFile(text, { repo: 'r', maxProjects: 1500 }).projects).toHaveLength(1500);
  });

  it('does not count settings as a project, and reports too many projects alone', () => {
    const ok = `settings: { matching: { tags: true } }\n${Array.from({ length: 50 }, (_, i) => `p${i}: {}`).join('\n')}`;
    expect(parseBuildFile(ok, { repo: 'r' }).projects).toHaveLength(50);
    const bad = `${ok}\nBad: {}\np51: {}`.replace('p0: {}', 'p0: { bogus: 1 }');
    expect(timedRefusal(bad).message).toBe('build.yml:52:1 52 projects; a build.yml may list at most 50 (builds.maxProjects)');
    expect(timedRefusal(bad, 52).message.split('\n')).toEqual([
      'build.yml:2:7 p0: unknown key "bogus"',
      'build.yml:52:1 "Bad" is not a valid project name: it names an image, so use lowercase letters and digits joined by ".", "_" or "-", with "/" between namespace parts',
    ]);
  });

  it('parses a large but valid file in reasonable time', () => {
    const text = Array.from({ length: 2000 }, (_, i) => `p${i}:\n  dockerfilePath: d${i}\n  notify: [slack]\n`).join('');
    const started = performance.now();
    expect(parseBuildFile(text, { repo: 'r', maxProjects: 2000 }).projects).toHaveLength(2000);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
