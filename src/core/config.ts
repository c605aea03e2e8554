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
    /** Whether images get org.opencontainers.image.* labels. */
    ociLabels: boolean;
    /** Seconds running builds get to finish on SIGTERM before they are interrupted. */
    shutdownGrace: number;
    allowedSchemes: string[];
    /** Days finished builds and their logs are kept; null = forever. */
    retentionDays: number | null;
  };
  paths: { builds: string };
  database: { url: string | null };
  docker: { client: DockerClientOptions };
  /** This process as an agent (see src/core/agent.ts). */
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
  /** Notifier settings by name, as Roger had them (`global: 'true'` = for every project). */
  notifications: Record<string, Record<string, unknown>>;
  publishers: Record<string, Record<string, unknown>>;
}
