import type Dockerode from 'dockerode';
import type { DockerClientOptions } from '../core/config.js';
import { engineEndpoint } from './errors.js';

/** What the engine's operations share: a lazily created dockerode client and where it points. */
export interface EngineClient {
  docker(): Promise<Dockerode>;
  /** The socket path or URL, for "not reachable at ..." messages. */
  endpoint: string;
  /** Labels every container created through this client carries (the run it belongs to). */
  labels?: Readonly<Record<string, string>>;
}

/**
 * Only the options that are set: dockerode merges ours over its defaults (DOCKER_HOST, default
 * socket), so an explicit `undefined` would erase a default.
 */
function dockerodeOptions(opts: DockerClientOptions): Dockerode.DockerOptions {
  const out: Dockerode.DockerOptions = {};
  if (opts.socketPath) out.socketPath = opts.socketPath;
  if (opts.host) out.host = opts.host;
  if (opts.port !== undefined) out.port = opts.port;
  if (opts.protocol) out.protocol = opts.protocol;
  if (opts.ca) out.ca = opts.ca;
  if (opts.cert) out.cert = opts.cert;
  if (opts.key) out.key = opts.key;
  return out;
}

/** dockerode (and its ssh2 and protobuf dependencies) load on first use, keeping CLI start-up lean. */
export function createEngineClient(opts: DockerClientOptions): EngineClient {
  let client: Promise<Dockerode> | undefined;
  return {
    endpoint: engineEndpoint(opts),
    docker: () => (client ??= import('dockerode').then((mod) => new mod.default(dockerodeOptions(opts)))),
  };
}
