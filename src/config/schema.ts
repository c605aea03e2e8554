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

/** A stand-in engine without Docker, for tests and benchmarks of the queue: builds take `delayMs`. */
const fakeEngine = z
  .object({
    delayMs: z.number().int().nonnegative().max(3_600_000),
    // A file this process appends its engine calls to (one JSON line each), to check who ran what.
    record: nonEmpty.optional(),
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
        // At most a day: a base image's new digest should not wait longer than that to be noticed.
        pullInterval: z.number().int().min(0).max(86_400),
        afterBuildContainer: z.enum(['fresh', 'shared']),
        // OCI labels on every image. Off by default: the Engine API's classic builder adds each label as
        // a step of its own, a container commit that costs every build ~0.2 s per label.
        ociLabels: z.boolean(),
        // A newer build of a branch also cancels the one running (queued ones are always superseded).
        cancelSuperseded: z.boolean(),
        // Seconds running builds get to finish on SIGTERM before they are interrupted; keep it under the
        // supervisor's own stop timeout (docker stop: 10 s) so the interruption is still recorded.
        shutdownGrace: z.number().nonnegative().max(3600),
        // A claimed build's lease: renewed every third of it; a build whose lease ran out is taken back.
        leaseSeconds: z.number().int().min(3).max(3600),
        allowedSchemes: z.array(z.string().regex(/^[a-z][a-z0-9+.-]*$/, 'expected a URL scheme such as https')).min(1),
        'retention-days': retention,
        retentionDays: retention,
        // false: every build fetches its commit alone (`--depth 1`), nothing is kept between builds.
        gitCache: z.boolean(),
        gitCacheMaxMb: z.number().positive().nullable(),
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
    docker: z.object({ client: dockerClient, fake: fakeEngine.nullable().optional() }).strict(),
    // This process as an agent: its name in leases (`agent:<name>`, `server:<name>`; a process restarting
    // under the same name takes its own unfinished builds back at once; default: the host name) and the
    // labels it offers.
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
    gitlab: z
      .object({
        // `https://HOST/api/v4`; its host is the one gitlab.token is sent to when cloning.
        apiUrl: url,
        // Clones private repositories (as user `oauth2`) and posts commit statuses.
        token: nonEmpty.nullable(),
        // What GitLab sends as X-Gitlab-Token; webhooks are refused while it is unset.
        webhookToken: nonEmpty.nullable(),
      })
      .strict(),
    gitea: z
      .object({
        // `https://HOST/api/v1` (Gitea or Forgejo); unset = no statuses and no token for clones.
        apiUrl: url.nullable(),
        token: nonEmpty.nullable(),
        // The webhook's secret (HMAC-SHA256 of the body); webhooks are refused while it is unset.
        webhookSecret: nonEmpty.nullable(),
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
      pullInterval: raw.builds.pullInterval,
      afterBuildContainer: raw.builds.afterBuildContainer,
      ociLabels: raw.builds.ociLabels,
      cancelSuperseded: raw.builds.cancelSuperseded,
      shutdownGrace: raw.builds.shutdownGrace,
      leaseSeconds: raw.builds.leaseSeconds,
      allowedSchemes: raw.builds.allowedSchemes,
      retentionDays: raw.builds['retention-days'] ?? raw.builds.retentionDays ?? null,
      gitCache: raw.builds.gitCache,
      gitCacheMaxMb: raw.builds.gitCacheMaxMb,
    },
    paths: { builds: raw.paths.builds },
    database: { url: raw.database.url },
    docker: { client: raw.docker.client, fake: raw.docker.fake ? { delayMs: raw.docker.fake.delayMs, record: raw.docker.fake.record ?? null } : null },
    agent: { name: raw.agent.name ?? defaultAgentName(), labels: raw.agent.labels },
    auth: raw.auth,
    github: raw.github,
    gitlab: raw.gitlab,
    gitea: raw.gitea,
    notifications: raw.notifications,
    publishers: raw.publishers,
  }),
);

/** The host name, made into a valid agent name (host names may be longer, or carry other characters). */
export function defaultAgentName(): string {
  return hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) || 'roger';
}
