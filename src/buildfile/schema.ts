import { z } from 'zod';
import { LABEL_KEY, LABEL_VALUE, MAX_LABELS } from '../core/agent.js';
import { CONTEXT, REPOSITORY, checkImagePath, checkRelativeFile, checkRelativePath, type Checked } from './paths.js';
import { globProblem, MAX_GLOBS } from './globs.js';
import { patternProblem } from './patterns.js';
import { templateProblem } from '../pipeline/tag.js';

/** A string checked (and normalised) by one of the path checks; a refusal becomes a zod issue. */
const checked = (check: (value: string) => Checked) =>
  z.string().transform((value, ctx) => {
    const result = check(value);
    if (result.ok) return result.value;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: result.problem });
    return z.NEVER;
  });

const text = z.string().min(1);

/** A host[:port] (optionally with a path) or `dockerhub`; it becomes part of every image reference. */
const registry = z
  .string()
  .min(1)
  .refine((value) => !value.includes('://'), 'give the registry as host[:port], without a scheme')
  .refine((value) => /^[A-Za-z0-9._:/[\]-]+$/.test(value), 'is not a registry host[:port]');

const pattern = z.string().superRefine((value, ctx) => {
  const problem = patternProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

const publish = z
  .object({
    to: z.literal('s3'),
    copy: checked(checkImagePath),
    bucket: text,
    bucketPath: z.string().nullish(),
    command: text.nullish(),
  })
  .strict();

const build = z
  .object({
    dockerfile: checked((value) => checkRelativeFile(value, CONTEXT)),
    extract: checked(checkImagePath),
  })
  .strict();

const tagTemplate = z.string().min(1).superRefine((value, ctx) => {
  const problem = templateProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

const glob = z.string().superRefine((value, ctx) => {
  const problem = globProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});
const globs = z.array(glob).max(MAX_GLOBS);
/** `agent: {pool: big}`: the labels an agent must offer to run the build. */
const agentLabels = z
  .record(
    z.string().regex(LABEL_KEY, 'a label key is 1-63 letters, digits, ".", "_" or "-"'),
    z.string().regex(LABEL_VALUE, 'a label value is 1-128 letters, digits, ".", "_" or "-"'),
  )
  .refine((labels) => Object.keys(labels).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`);

/** Every optional key also accepts an empty value (`notify:`), meaning "not set". */
export const projectSchema = z.preprocess(
  (value) => value ?? {},
  z
    .object({
      dockerfilePath: checked((value) => checkRelativePath(value, REPOSITORY)).nullish(),
      registry: registry.nullish(),
      revfile: checked((value) => checkRelativePath(value, CONTEXT)).nullish(),
      build: build.nullish(),
      'after-build': z.union([text.transform((command) => [command]), z.array(text)]).nullish(),
      notify: z.array(text).nullish(),
      publish: z.array(publish).nullish(),
      dockerfile: checked((value) => checkRelativeFile(value, CONTEXT)).nullish(),
      tags: z.array(tagTemplate).max(50).nullish(),
      auto_tag: z.boolean().nullish(),
      paths: globs.nullish(),
      'paths-ignore': globs.nullish(),
      rebuildDependents: z.boolean().nullish(),
      agent: agentLabels.nullish(),
    })
    .strict(),
);

export const settingsSchema = z
  .object({
    matching: z
      .object({
        branches: z.array(text).nullish(),
        patterns: z.array(pattern).nullish(),
        tags: z.boolean().nullish(),
      })
      .strict()
      .nullish(),
    rebuildDependents: z.boolean().nullish(),
  })
  .strict()
  .nullish();

export type ParsedProject = z.output<typeof projectSchema>;
export type ParsedSettings = z.output<typeof settingsSchema>;

/** Every key the schemas know, for "did you mean" hints. */
export const KNOWN_KEYS: readonly string[] = [
  'dockerfilePath', 'registry', 'revfile', 'build', 'after-build', 'notify', 'publish', 'dockerfile',
  'extract', 'to', 'copy', 'bucket', 'bucketPath', 'command', 'matching', 'branches', 'patterns', 'tags', 'auto_tag',
  'paths', 'paths-ignore', 'rebuildDependents', 'agent',
];
