import type { BuildFile } from '../core/project.js';
import { badInput, type RogerError } from '../core/errors.js';
import { interpret } from './interpret.js';
import { loadYaml } from './load.js';
import { locate } from './locate.js';

/** A build.yml is a few hundred bytes; refusing big input up front bounds parse time and memory. */
export const MAX_BUILDFILE_BYTES = 1024 * 1024;

/** Enough errors to fix a file in one go without flooding a log or a terminal. */
const MAX_REPORTED = 20;

/** The default of `builds.maxProjects`, for callers without a server config (`roger validate`). */
export const DEFAULT_MAX_PROJECTS = 50;

export interface ParseOptions {
  /** Name used in messages; default `build.yml`. */
  fileName?: string;
  /** The repository URL or path, naming the project of a file without projects. */
  repo: string;
  /** Most projects the file may list (`builds.maxProjects`); default DEFAULT_MAX_PROJECTS. */
  maxProjects?: number;
}

/** The error for a file of `bytes` bytes, or undefined when the size is acceptable. */
export function sizeError(fileName: string, bytes: number): RogerError | undefined {
  if (bytes <= MAX_BUILDFILE_BYTES) return undefined;
  return badInput(`${fileName}:1:1 file is ${bytes} bytes; the limit is ${MAX_BUILDFILE_BYTES} (1 MB)`);
}

/**
 * Reads a build.yml. Every refusal is a bad-input RogerError whose message is one line per problem,
 * each `FILE:LINE:COL message`, in file order. An empty file (or one with only settings) describes one
 * project named after the repository.
 */
export function parseBuildFile(text: string, opts: ParseOptions): BuildFile {
  const fileName = opts.fileName ?? 'build.yml';
  // Checked before anything else touches the text, so a huge input costs one length scan.
  const tooBig = sizeError(fileName, Buffer.byteLength(text, 'utf8'));
  if (tooBig) throw tooBig;
  const { doc, data, at } = loadYaml(text, fileName);
  const { buildFile, problems } = interpret(data, opts.repo, opts.maxProjects ?? DEFAULT_MAX_PROJECTS);
  if (problems.length === 0) return buildFile;
  const located = problems
    .map((p) => ({ offset: locate(doc, p.path, p.key), message: p.message }))
    .sort((a, b) => a.offset - b.offset);
  const lines = located.slice(0, MAX_REPORTED).map((p) => `${at(p.offset)} ${p.message}`);
  if (located.length > MAX_REPORTED) lines.push(`${fileName}: ${located.length - MAX_REPORTED} more problems not shown`);
  throw badInput(lines.join('\n'));
}
