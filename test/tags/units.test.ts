import { describe, expect, it } from 'vitest';
import { labelKeys } from '../../src/engine/dockerfile.js';
import { ociLabels, labelsNotIn } from '../../src/pipeline/labels.js';
import { autoTags, expandTemplate, templateProblem } from '../../src/pipeline/tag.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const NOW = new Date('2026-03-04T23:59:59Z');

describe('tag templates', () => {
  it('expands every placeholder; values are sanitized like branch tags', () => {
    const ctx = { ref: 'feature/Big thing', refType: 'branch' as const, sha: SHA, now: NOW };
    expect(expandTemplate('{{branch}}-{{short_sha}}', ctx)).toBe('feature-Big-thing-0123456');
    expect(expandTemplate('{{ sha }}', ctx)).toBe(SHA);
    expect(expandTemplate('nightly-{{date}}', ctx)).toBe('nightly-20260304');
    expect(expandTemplate('stable', ctx)).toBe('stable');
  });

  it('{{tag}} on a branch build and {{branch}} on a tag build are left out; {{sha}} on a tag is the commit', () => {
    expect(expandTemplate('{{tag}}', { ref: 'main', refType: 'branch', sha: SHA, now: NOW })).toBeUndefined();
    expect(expandTemplate('x-{{branch}}', { ref: 'v1', refType: 'tag', sha: SHA, now: NOW })).toBeUndefined();
    expect(expandTemplate('{{tag}}-{{sha}}', { ref: 'v1', refType: 'tag', sha: SHA, now: NOW })).toBe(`v1-${SHA}`);
  });

  it('a value starting with . or - gets the same _ as a branch tag', () => {
    expect(expandTemplate('{{branch}}', { ref: '-dash', refType: 'branch', sha: SHA, now: NOW })).toBe('_dash');
  });

  it('refuses unknown placeholders and bad literal text up front', () => {
    expect(templateProblem('{{commit}}')).toMatch(/unknown placeholder \{\{commit\}\}/);
    expect(templateProblem('a:b')).toMatch(/characters a tag cannot hold/);
    expect(templateProblem('.x')).toMatch(/starts with "."/);
    expect(templateProblem('{{branch}}_{{date}}')).toBeUndefined();
  });
});

describe('auto_tag', () => {
  it('a release: major, minor, patch and latest when it is the highest', () => {
    expect(autoTags('v1.2.3', ['v1.2.3', 'v1.2.2', 'v0.9.0', 'v2.0.0-rc.1', 'other'])).toEqual(['1', '1.2', '1.2.3', 'latest']);
    expect(autoTags('1.2.3', [])).toEqual(['1', '1.2', '1.2.3', 'latest']);
  });

  it('an older release keeps only the tags no newer release owns', () => {
    expect(autoTags('v1.2.3', ['v1.3.0'])).toEqual(['1.2', '1.2.3']);
    expect(autoTags('v1.2.3', ['v1.2.4'])).toEqual(['1.2.3']);
    expect(autoTags('v1.2.3', ['v2.0.0'])).toEqual(['1', '1.2', '1.2.3']);
  });

  it('a pre-release pushes only itself; a non-semver ref nothing', () => {
    expect(autoTags('v2.0.0-rc.1', [])).toEqual(['2.0.0-rc.1']);
    expect(autoTags('release-1', [])).toEqual([]);
    expect(autoTags('v1.2', [])).toEqual([]);
    expect(autoTags('01.2.3', [])).toEqual([]);
  });
});

describe('OCI labels', () => {
  const co = { ref: 'main', commit: { sha: SHA, author: 'a', date: 'd', message: 'm' } };

  it('never carries credentials of the repository URL', () => {
    const labels = ociLabels(co, 'https://user:ghp_secret@git.example.test/o/r.git', 'latest', NOW);
    expect(labels['org.opencontainers.image.source']).toBe('https://git.example.test/o/r.git');
    expect(JSON.stringify(labels)).not.toContain('ghp_secret');
    expect(labels['org.opencontainers.image.created']).toBe('2026-03-04T23:59:59.000Z');
  });

  it('reads LABEL keys in both forms, quoted, continued, any case', () => {
    const text = 'FROM x\nlabel a=1 "b c"="2 3" \\\n  d=4\nLABEL legacy value with spaces\n# LABEL commented=1\n';
    expect([...labelKeys(text)].sort()).toEqual(['a', 'b c', 'd', 'legacy']);
    expect(labelsNotIn(text, { a: 'x', e: 'y' })).toEqual({ e: 'y' });
  });

  it('a huge LABEL line is read in linear time', () => {
    const text = `FROM x\nLABEL a="${'\\"'.repeat(200_000)}\n`;
    const started = Date.now();
    labelKeys(text);
    // Quadratic work over 400,000 characters would take minutes; linear takes milliseconds.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
