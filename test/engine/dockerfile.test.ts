import { describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { MAX_BASE_IMAGES, baseImages, expand, registryOf } from '../../src/engine/dockerfile.js';
import { splitTag } from '../../src/engine/ref.js';

describe('baseImages', () => {
  it('lists a single FROM', () => {
    expect(baseImages('FROM node:20\nRUN echo hi\n')).toEqual(['node:20']);
  });

  it('skips stage names, scratch and duplicates in multi-stage builds', () => {
    const text = [
      'FROM golang:1.22 AS build',
      'RUN go build',
      'from alpine:3.19 as Runtime',
      'COPY --from=build /app /app',
      'FROM runtime AS final',
      'FROM scratch',
      'FROM golang:1.22',
      'FROM BUILD',
    ].join('\n');
    expect(baseImages(text)).toEqual(['golang:1.22', 'alpine:3.19']);
  });

  it('treats a name as an image when no earlier stage has it', () => {
    expect(baseImages('FROM later\nFROM busybox AS later\n')).toEqual(['later', 'busybox']);
  });

  it('dedupes an image with and without :latest', () => {
    expect(baseImages('FROM busybox\nFROM busybox:latest\n')).toEqual(['busybox']);
  });

  it('ignores --platform and other flags', () => {
    expect(baseImages('FROM --platform=$BUILDPLATFORM node:20 AS deps\nFROM --platform=linux/amd64 nginx\n')).toEqual([
      'node:20',
      'nginx',
    ]);
  });

  it('joins continuation lines and skips comments, also inside continuations', () => {
    const text = ['# a comment', '  # indented comment', 'FROM \\', '  # in the middle', '  registry.example.com/app:1 \\', '  AS app', ''].join('\n');
    expect(baseImages(text)).toEqual(['registry.example.com/app:1']);
  });

  it('parses a 2 MB instruction of continuation lines in linear time', () => {
    // Half a million `b \` lines in one RUN, then a FROM whose image follows a long run of continued
    // flags: re-scanning the growing instruction for every line took minutes on the event loop.
    const dockerfile = (lines: number): string =>
      [`FROM ${'--x=y \\\n'.repeat(1024)}127.0.0.1:5000/busybox:latest AS base`, `RUN a \\\n${'b \\\n'.repeat(lines)}c`, 'FROM base', ''].join('\n');
    // The better of two runs, so a busy machine's pause is not read as growth.
    const time = (text: string): number =>
      Math.min(
        ...[0, 1].map(() => {
          const started = performance.now();
          expect(baseImages(text)).toEqual(['127.0.0.1:5000/busybox:latest']);
          return performance.now() - started;
        }),
      );
    const big = dockerfile(512 * 1024);
    expect(big.length).toBeGreaterThan(2 * 1024 * 1024);
    const small = time(dockerfile(128 * 1024));
    const large = time(big);
    // Four times the input: linear work takes about four times as long, quadratic sixteen times.
    expect(large / Math.max(small, 1)).toBeLessThan(9);
    expect(large).toBeLessThan(10_000);
  });

  it('honours the escape parser directive', () => {
    expect(baseImages('# escape=`\nFROM `\n  mcr.microsoft.com/windows:ltsc\n')).toEqual(['mcr.microsoft.com/windows:ltsc']);
  });

  it('substitutes global ARGs in all their forms, build args overriding defaults', () => {
    const text = [
      'ARG REGISTRY=127.0.0.1:5000',
      'ARG BASE=busybox',
      'ARG VERSION',
      'ARG FULL="${REGISTRY}/${BASE}"',
      'FROM $REGISTRY/$BASE:${VERSION:-latest}',
      'FROM ${FULL}:x',
      'FROM ${MISSING:-alpine}',
      'ARG LATE=nope',
      'FROM ${LATE:-fine}',
    ].join('\n');
    expect(baseImages(text)).toEqual(['127.0.0.1:5000/busybox:latest', '127.0.0.1:5000/busybox:x', 'alpine', 'fine']);
    expect(baseImages(text, { VERSION: '1.36', BASE: 'other', UNDECLARED: 'x' })).toEqual([
      '127.0.0.1:5000/other:1.36',
      '127.0.0.1:5000/other:x',
      'alpine',
      'fine',
    ]);
  });

  it('skips a FROM whose image expands to nothing', () => {
    expect(baseImages('ARG IMG\nFROM $IMG\nFROM busybox\n')).toEqual(['busybox']);
  });

  it('handles CRLF line endings and a byte-order mark', () => {
    expect(baseImages('\uFEFFFROM a:1 \\\r\n AS one\r\nFROM b:2\r\n')).toEqual(['a:1', 'b:2']);
  });
});

describe('baseImages: hostile Dockerfiles stay linear and bounded', () => {
  /** Runs `fn`, returning its result or error and how long it took. */
  const timed = <T>(fn: () => T): { value?: T; error?: unknown; ms: number } => {
    const started = performance.now();
    try {
      return { value: fn(), ms: performance.now() - started };
    } catch (error) {
      return { error, ms: performance.now() - started };
    }
  };

  it('reads a 200 KB directive line of spaces in linear time', () => {
    // `(.+?)\s*$` retried the trailing spaces from every position: about 30 s for this line.
    const text = `#escape=x${' '.repeat(200 * 1024)}x\nFROM busybox\n`;
    const { value, ms } = timed(() => baseImages(text));
    expect(value).toEqual(['busybox']);
    expect(ms).toBeLessThan(1000);
  });

  it('still honours a directive with spaces around its value', () => {
    expect(baseImages('#  escape =  `  \nFROM `\n  busybox\n')).toEqual(['busybox']);
    expect(baseImages('# escape=\nFROM a\n')).toEqual(['a']);
  });

  it('refuses 40,000 nested ${A:-...} quickly instead of recursing off the stack', () => {
    const text = `FROM ${'${B:-'.repeat(40_000)}x${'}'.repeat(40_000)}\n`;
    const { error, ms } = timed(() => baseImages(text));
    expect(isRogerError(error, 'build-failed')).toBe(true);
    expect((error as Error).message).toMatch(/nests \$\{\.\.\.\} substitutions more than 32 levels deep/);
    expect(ms).toBeLessThan(1000);
  });

  it('expands a few levels of nesting as before', () => {
    expect(baseImages('FROM ${A:-${B:-${C:-${D:-busybox}}}}:1\n')).toEqual(['busybox:1']);
  });

  it('refuses ARGs that double in size on every line', () => {
    let text = 'ARG A0=aaaaaaaaaa\n';
    for (let i = 1; i < 40; i++) text += `ARG A${i}=\${A${i - 1}}\${A${i - 1}}\n`;
    const { error, ms } = timed(() => baseImages(`${text}FROM $A39\n`));
    expect((error as Error).message).toMatch(/ARG substitutions expand to more than \d+ characters/);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses more base images than it would pull at once', () => {
    const text = Array.from({ length: MAX_BASE_IMAGES + 1 }, (_, i) => `FROM image${i}`).join('\n');
    expect(() => baseImages(text)).toThrow(/more than 100 different base images/);
    expect(baseImages(text.split('\n').slice(0, MAX_BASE_IMAGES).join('\n'))).toHaveLength(MAX_BASE_IMAGES);
  });

  it.each([
    ['unclosed quotes in ARG', `ARG ${'"a'.repeat(100_000)}\nFROM a\n`],
    ['alternating quotes in ARG', `ARG ${`'"`.repeat(100_000)}\nFROM a\n`],
    ['dollar signs', `FROM ${'$'.repeat(200_000)}\n`],
    ['unbalanced braces', `FROM ${'${B}${'.repeat(40_000)}\n`],
    ['escapes and spaces', `FROM a${'\\ \\'.repeat(70_000)}\n`],
    ['spaces before =', `#a${' '.repeat(200_000)}x\nFROM a\n`],
  ])('handles %s in linear time', (_, text) => {
    const { ms } = timed(() => baseImages(text));
    expect(ms).toBeLessThan(1000);
  });
});

describe('expand', () => {
  const vars = new Map([
    ['SET', 'value'],
    ['EMPTY', ''],
  ]);
  it.each([
    ['$SET', 'value'],
    ['${SET}', 'value'],
    ['${UNSET}', ''],
    ['${EMPTY:-default}', 'default'],
    ['${EMPTY-default}', ''],
    ['${UNSET-default}', 'default'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET:-${SET}}', 'value'],
    ['a\\$SET', 'a$SET'],
    ['cost $5', 'cost $5'],
    ['${SET:-${UNSET:-x}}', 'value'],
    ['${UNSET:-${UNSET:-${SET}}}-z', 'value-z'],
    ['${SET?}', '${SET?}'],
    ['${1}x', '${1}x'],
    ['${UNSET:}', '${UNSET:}'],
    ['${UNSET', '${UNSET'],
    ['a}${SET}', 'a}value'],
  ])('%s -> %s', (input, output) => {
    expect(expand(input, vars)).toBe(output);
  });
});

describe('registryOf', () => {
  it.each([
    ['busybox', 'docker.io'],
    ['library/busybox:1', 'docker.io'],
    ['namshi/roger', 'docker.io'],
    ['127.0.0.1:5000/busybox', '127.0.0.1:5000'],
    ['localhost/app', 'localhost'],
    ['localhost:5000/app:1', 'localhost:5000'],
    ['ghcr.io/owner/app@sha256:abc', 'ghcr.io'],
    ['index.docker.io/library/node', 'docker.io'],
    ['Registry/app', 'Registry'],
  ])('%s -> %s', (ref, registry) => {
    expect(registryOf(ref)).toBe(registry);
  });
});

describe('splitTag', () => {
  it.each([
    ['127.0.0.1:5000/app:1', { repo: '127.0.0.1:5000/app', tag: '1' }],
    ['127.0.0.1:5000/app', { repo: '127.0.0.1:5000/app', tag: 'latest' }],
    ['busybox', { repo: 'busybox', tag: 'latest' }],
    ['a/b:c@sha256:00', { repo: 'a/b', tag: 'c' }],
  ])('%s', (ref, parts) => {
    expect(splitTag(ref)).toEqual(parts);
  });
});
