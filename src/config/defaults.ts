import type { Path, Tree } from './tree.js';

/**
 * Defaults in config.yml's own spelling (`retry-after`), merged under the file before `{{ }}` references
 * are resolved, so a reference may point at a value the user never wrote (`{{ app.url }}`).
 * A function, not a constant, so no caller can mutate another's defaults.
 */
export function defaultTree(): Tree {
  return {
    app: { url: 'http://localhost:8080', host: '127.0.0.1', port: 8080, defaultRegistry: '127.0.0.1:5000', auth: null },
    builds: { concurrent: 5, local: true, 'retry-after': 20, timeout: 3600, maxProjects: 50, pullInterval: 300, afterBuildContainer: 'fresh', ociLabels: false, cancelSuperseded: false, shutdownGrace: 30, leaseSeconds: 30, allowedSchemes: ['https', 'ssh'], gitCache: true, gitCacheMaxMb: 10240 },
    paths: { builds: '/tmp/roger-builds' },
    database: { url: null },
    docker: { client: { socketPath: '/var/run/docker.sock' } },
    agent: { labels: {} },
    auth: { github: null, dockerhub: null, registries: {}, slack: null },
    github: { apiUrl: 'https://api.github.com', webhookSecret: null, allowUnsigned: false, repositories: [] },
    gitlab: { apiUrl: 'https://gitlab.com/api/v4', token: null, webhookToken: null },
    gitea: { apiUrl: null, token: null, webhookSecret: null },
    notifications: {},
    publishers: {},
  };
}

/**
 * Sections a user replaces as a whole rather than key by key: dockerode treats `socketPath` and `host`
 * as alternatives, so a configured `host` must not inherit the default socket.
 */
export const REPLACED_WHOLE: readonly Path[] = [['docker', 'client']];
