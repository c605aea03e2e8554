import { hostname } from 'node:os';
import { z } from 'zod';
import { AGENT_NAME, LABEL_KEY, LABEL_VALUE, MAX_LABELS } from '../core/agent.js';
import type { Config } from '../core/config.js';
import { isPlainObject } from './tree.js';

/** Marks keys Roger 1.x's base.yml had; accepted so copied configs keep loading, and otherwise ignored. */
export const LEGACY = 'legacy';
const legacy = z.unknown().optional().describe(LEGACY);

const nonEmpty = z.string().min(1);
const url = z.string().url();
const retention = z.number().positive().nullable().optional();

const credentials = z.object({ username: nonEmpty, password: nonEmpty, email: z.string().optional() }).strict();

const dockerClient = z
  .object({
    socketPath: nonEmpty.optional(),
    host: nonEmpty.optional(),
    port: z.number().int().min(1).max(65535).optional(),
    protocol: z.enum(['http', 'https', 'ssh']).optional(),
    ca: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
  })
  .strict();

const agentName = z.string().regex(AGENT_NAME, 'expected 1-64 letters, digits, ".", "_" or "-"');

/** Label keys and values are short words; they end up in SQL parameters, the API and metric labels. */
export const labelsSchema = z
  .record(z.string().regex(LABEL_KEY, 'a label key is 1-63 letters, digits, ".", "_" or "-"'), z.string().regex(LABEL_VALUE, 'a label value is 1-128 letters, digits, ".", "_" or "-"'))
  .refine((labels) => Object.keys(labels).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`);

const settings = z.record(z.string(), z.record(z.string(), z.unknown()));

/** Roger's README wrote `notifications: { github: '{{ auth.github }}' }`: a bare string is the token. */
function normalizeNotifications(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, entry]) => [
      name,
      name === 'github' && typeof entry === 'string' ? { token: entry } : entry,
    ]),
  );
}

const emptyEntries = (value: unknown): unknown =>
  isPlainObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v ?? {}])) : value;

/** config.yml as written (Roger's key spelling), after defaults, environment and references. */
export const fileSchema = z
  .object({
    app: z
      .object({
        url,
        // The address to listen on; 0.0.0.0 (every interface) is for containers and explicit choice.
        host: nonEmpty,
        port: z.number().int().min(0).max(65535),
        defaultRegistry: nonEmpty,
        auth: z
          .object({
            tokens: z.array(nonEmpty).min(1, 'list at least one token, or set app.auth: ~ to turn authentication off'),
            // /metrics also wants a token.
            metrics: z.boolean().optional(),
          })
          .strict()
          .nullable(),
        storage: legacy,
      })
      .strict(),
    builds: z
      .object({
        // 0: this process runs no builds itself (a server whose agents run them). It is also the
        // capacity an agent reports.
        concurrent: z.number().int().min(0).nullable(),
        // false: `roger serve` runs no builds (API only); agents run them.
        local: z.boolean(),
        'retry-after': z.number().nonnegative(),
        // At most 7 days: longer delays overflow timers (and no build should run that long).
        timeout: z.number().int().positive().max(604_800),
        // Projects one build.yml may list; more is refused before any build record is added.
        maxProjects: z.number().int().min(1).max(1000),
        // OCI labels on every image. Off by default: the Engine API's classic builder adds each label as
        // a step of its own, a container commit that costs every build ~0.2 s per label.
        ociLabels: z.boolean(),
        // Seconds running builds get to finish on SIGTERM before they are interrupted; keep it under the
        // supervisor's own stop timeout (docker stop: 10 s) so the interruption is still recorded.
        shutdownGrace: z.number().nonnegative().max(3600),
        allowedSchemes: z.array(z.string().regex(/^[a-z][a-z0-9+.-]*$/, 'expected a URL scheme such as https')).min(1),
        'retention-days': retention,
        retentionDays: retention,
      })
      .strict()
      .superRefine((builds, ctx) => {
        if (builds['retention-days'] != null && builds.retentionDays != null) {
          const message = 'set retention-days or retentionDays, not both';
          ctx.addIssue({ code: 'custom', path: ['retentionDays'], message });
        }
      }),
    paths: z.object({ builds: nonEmpty, sources: legacy, tars: legacy, logs: legacy }).strict(),
    database: z.object({ url: nonEmpty.nullable() }).strict(),
    docker: z.object({ client: dockerClient }).strict(),
    // This process as an agent: its name (default: the host name) and the labels it offers.
    agent: z.object({ name: agentName.optional(), labels: labelsSchema }).strict(),
    auth: z
      .object({
        github: nonEmpty.nullable(),
        dockerhub: credentials.nullable(),
        registries: z.record(z.string(), credentials),
        slack: z.object({ url }).strict().nullable(),
      })
      .strict(),
    github: z
      .object({
        apiUrl: url,
        webhookSecret: nonEmpty.nullable(),
        // Accept unsigned webhooks even though API tokens are set (an explicit, logged choice).
        allowUnsigned: z.boolean(),
        // `owner/name` or `owner/*`; empty = every repository may trigger webhook builds.
        repositories: z.array(z.string().regex(/^[A-Za-z0-9_.-]+\/(\*|[A-Za-z0-9_.-]+)$/, 'expected owner/name or owner/*')),
      })
      .strict(),
    notifications: z.preprocess((v) => emptyEntries(normalizeNotifications(v)), settings),
    publishers: z.preprocess(emptyEntries, settings),
    routes: legacy,
  })
  .strict();

export const configSchema = fileSchema.transform(
  (raw): Config => ({
    app: {
      url: raw.app.url,
      host: raw.app.host,
      port: raw.app.port,
      defaultRegistry: raw.app.defaultRegistry,
      auth: raw.app.auth ? { tokens: raw.app.auth.tokens, metrics: raw.app.auth.metrics ?? false } : null,
    },
    builds: {
      concurrent: raw.builds.concurrent,
      local: raw.builds.local,
      retryAfter: raw.builds['retry-after'],
      timeout: raw.builds.timeout,
      maxProjects: raw.builds.maxProjects,
      ociLabels: raw.builds.ociLabels,
      shutdownGrace: raw.builds.shutdownGrace,
      allowedSchemes: raw.builds.allowedSchemes,
      retentionDays: raw.builds['retention-days'] ?? raw.builds.retentionDays ?? null,
    },
    paths: { builds: raw.paths.builds },
    database: { url: raw.database.url },
    docker: { client: raw.docker.client },
    agent: { name: raw.agent.name ?? defaultAgentName(), labels: raw.agent.labels },
    auth: raw.auth,
    github: raw.github,
    notifications: raw.notifications,
    publishers: raw.publishers,
  }),
);

/** The host name, made into a valid agent name (host names may be longer, or carry other characters). */
export function defaultAgentName(): string {
  return hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) || 'roger';
}
