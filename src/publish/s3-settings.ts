import { z } from 'zod';
import { badInput } from '../core/errors.js';

/** `publishers.s3` in config.yml: Roger's `key` and `secret`, plus what S3-compatible stores need. */
export interface S3Settings {
  /** Both or neither; neither = the AWS SDK's own chain (environment, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  region: string;
  /** An S3-compatible store (MinIO, a local s3rver) instead of AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
}

/** YAML reads `key: 1234` as a number; a credential is text either way. */
const text = z.union([z.string().min(1), z.number().transform(String)], {
  errorMap: () => ({ message: 'expected a non-empty string' }),
});

/** Roger's config.yml wrote booleans as strings. */
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], {
  errorMap: () => ({ message: 'expected true or false' }),
});

const endpoint = z
  .string()
  .url('expected a URL such as http://127.0.0.1:9000')
  .refine((value) => /^https?:\/\//i.test(value), 'expected an http:// or https:// URL');

const schema = z
  .object({
    key: text.optional(),
    secret: text.optional(),
    region: z.string().min(1, 'must not be empty').optional(),
    endpoint: endpoint.optional(),
    forcePathStyle: flag.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if ((value.key === undefined) !== (value.secret === undefined)) {
      const missing = value.key === undefined ? 'key' : 'secret';
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [missing], message: 'required when key or secret is set' });
    }
  });

/** An empty YAML value (`region:`) means "not set", as everywhere else in config.yml. */
const withoutNulls = (value: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));

/** Reads `publishers.s3`; every problem names its config.yml key. */
export function parseS3Settings(raw: Record<string, unknown> | undefined): S3Settings {
  const result = schema.safeParse(withoutNulls(raw ?? {}));
  if (!result.success) {
    // One problem per key: a value failing several checks is one mistake.
    const firstPerKey = result.error.issues.filter(
      (issue, i, all) => all.findIndex((other) => other.path.join('.') === issue.path.join('.')) === i,
    );
    const problems = firstPerKey.map((issue) => {
      const key = ['publishers', 's3', ...issue.path].join('.');
      if (issue.code === 'unrecognized_keys') {
        return `config.yml ${key}: unknown key(s) ${issue.keys.join(', ')} (expected key, secret, region, endpoint, forcePathStyle)`;
      }
      return `config.yml ${key}: ${issue.message}`;
    });
    throw badInput(problems.join('; '));
  }
  const { key, secret, region, endpoint: url, forcePathStyle } = result.data;
  const settings: S3Settings = { region: region ?? 'us-east-1', forcePathStyle: forcePathStyle ?? url !== undefined };
  if (key !== undefined && secret !== undefined) settings.credentials = { accessKeyId: key, secretAccessKey: secret };
  if (url !== undefined) settings.endpoint = url;
  return settings;
}
