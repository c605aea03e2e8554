import type { Labels } from './agent.js';

/**
 * The validated configuration: config.yml merged with defaults and environment overrides.
 * Produced once by src/config; every other module receives the parts it needs.
 */
export interface RegistryCredentials {
  username: string;
  password: string;
  email?: string;
}

export interface DockerClientOptions {
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https' | 'ssh';
  ca?: string;
  cert?: string;
  key?: string;
}

export interface Config {
  app: {
    url: string;
    /** Listen address: 127.0.0.1 by default; 0.0.0.0 in a container. */
    host: string;
    port: number;
    defaultRegistry: string;
    /** Bearer tokens accepted on /api; empty = no authentication (Roger's default). */
    auth: { tokens: string[]; metrics: boolean } | null;
  };
  builds: {
    /** null = unlimited; also the capacity this process reports as an agent. */
    concurrent: number | null;
    /** Whether `roger serve` runs builds itself; false = API only, agents run them. */
    local: boolean;
    retryAfter: number;
    /** Seconds before a build is stopped and failed. */
    timeout: number;
    /** Projects one build.yml may list. */
    maxProjects: number;
    /**
     * Seconds a base image's registry check holds: within it, builds use the local image without asking
     * the registry; 0 = ask on every build. A check compares manifest digests; it pulls only on a change.
     */
    pullInterval: number;
    /**
     * `fresh`: each after-build command in a container of its own (Roger's way); `shared`: all of a
     * build's after-build commands in one container, by `docker exec`.
     */
    afterBuildContainer: 'fresh' | 'shared';
    /** Whether images get org.opencontainers.image.* labels. */
    ociLabels: boolean;
    /** Whether a newer build of a repository's branch cancels the one running; queued ones are always superseded. */
    cancelSuperseded: boolean;
    /** Seconds running builds get to finish on SIGTERM before they are interrupted. */
    shutdownGrace: number;
    /** Seconds a claimed build's lease lasts; the process renews it every third of that. */
    leaseSeconds: number;
    allowedSchemes: string[];
    /** Days finished builds and their logs are kept; null = forever. */
    retentionDays: number | null;
    /** Whether clones go through one bare mirror per repository under `<paths.builds>/git-cache`. */
    gitCache: boolean;
    /** Most megabytes the mirrors may take together (least recently used removed first); null = no cap. */
    gitCacheMaxMb: number | null;
  };
  paths: { builds: string };
  database: { url: string | null };
  docker: {
    client: DockerClientOptions;
    /** A stand-in engine without Docker (tests, benchmarks); null = the Docker engine. */
    fake: { delayMs: number; record: string | null } | null;
  };
  /** This process among the processes sharing the database: its name (leases) and the labels it offers. */
  agent: { name: string; labels: Labels };
  auth: {
    github: string | null;
    dockerhub: RegistryCredentials | null;
    registries: Record<string, RegistryCredentials>;
    slack: { url: string } | null;
  };
  github: {
    apiUrl: string;
    webhookSecret: string | null;
    /** Unsigned webhooks accepted although API tokens are set. */
    allowUnsigned: boolean;
    /** Webhook allow-list: `owner/name` or `owner/*`; empty = any. */
    repositories: string[];
  };
  gitlab: {
    /** `https://HOST/api/v4`. */
    apiUrl: string;
    /** Clones private repositories of that host and posts commit statuses. */
    token: string | null;
    /** Compared with X-Gitlab-Token; null = GitLab webhooks are refused. */
    webhookToken: string | null;
  };
  /** Gitea or Forgejo. */
  gitea: {
    /** `https://HOST/api/v1`; null = none. */
    apiUrl: string | null;
    token: string | null;
    /** Signs webhook bodies (HMAC-SHA256); null = Gitea webhooks are refused. */
    webhookSecret: string | null;
  };
  /** Notifier settings by name, as Roger had them (`global: 'true'` = for every project). */
  notifications: Record<string, Record<string, unknown>>;
  publishers: Record<string, Record<string, unknown>>;
}
