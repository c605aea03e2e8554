import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { DockerClientOptions } from '../core/config.js';
import type { Engine, RegistryAuth } from '../core/engine.js';
import { buildFailed } from '../core/errors.js';
import type { BuildLog } from '../core/log.js';
import { abortable } from './abort.js';
import { buildImage } from './build.js';
import { createEngineClient, type EngineClient } from './client.js';
import { copyOut } from './copy-out.js';
import { containerRuns, removeLeftovers, runLabels } from './leftovers.js';
import { canceled, statusCodeOf, toEngineError } from './errors.js';
import { ProgressSummary, digestOf, readMessages } from './progress.js';
import { registryOf, splitTag } from './ref.js';
import { runCommand } from './run.js';
import { runAndCopyOut } from './run-copy-out.js';
import { withShell } from './shell.js';

/** The Engine port over the Docker Engine API (dockerode). */

/**
 * The X-Registry-Auth header for a pull or push. Without credentials an empty object is still sent:
 * the engine's push endpoint otherwise tries to read credentials from the request body and fails.
 */
function authConfig(auth: RegistryAuth | undefined): Dockerode.AuthConfig {
  if (!auth) return {};
  const config: Dockerode.AuthConfigObject = {
    username: auth.username,
    password: auth.password,
    serveraddress: auth.serveraddress,
  };
  if (auth.email) config.email = auth.email;
  return config;
}

/**
 * Follows a pull or push stream: progress summarised into the log, the first error in the stream
 * turned into a failure naming the registry (the stream says "connection refused", not where).
 */
async function followDistribution(
  open: () => Promise<NodeJS.ReadableStream>,
  log: BuildLog,
  what: string,
  signal: AbortSignal | undefined,
): Promise<{ digest?: string }> {
  let stream: NodeJS.ReadableStream | undefined;
  const work = (async () => {
    stream = await open();
    const progress = new ProgressSummary(log);
    let digest: string | undefined;
    let error: string | undefined;
    await readMessages(stream, (m) => {
      progress.handle(m);
      digest = digestOf(m) ?? digest;
      if (m.error) error ??= m.error;
    });
    if (error !== undefined) throw buildFailed(`${what} failed: ${error}`);
    return digest === undefined ? {} : { digest };
  })();
  return abortable(work, signal, what, () => {
    if (stream instanceof Readable) stream.destroy();
  });
}

async function call<T>(client: EngineClient, what: string, kind: 'build-failed' | 'system', fn: (docker: Dockerode) => Promise<T>): Promise<T> {
  try {
    return await fn(await client.docker());
  } catch (err) {
    throw toEngineError(err, { endpoint: client.endpoint, what, kind });
  }
}

export function createDockerEngine(opts: DockerClientOptions): Engine {
  return dockerEngine(createEngineClient(opts));
}

/** The engine over `client`; a run's view shares the connection and adds its labels. */
function dockerEngine(client: EngineClient): Engine {
  const { endpoint } = client;

  return {
    async ping() {
      await call(client, 'Ping of the Docker engine', 'system', (docker) => docker.ping());
    },

    async imageExists(ref) {
      return call(client, `Inspecting ${ref}`, 'system', async (docker) => {
        try {
          await docker.getImage(ref).inspect();
          return true;
        } catch (err) {
          if (statusCodeOf(err) === 404) return false;
          throw err;
        }
      });
    },

    async localDigests(ref) {
      return call(client, `Inspecting ${ref}`, 'system', async (docker) => {
        try {
          const info = await docker.getImage(ref).inspect();
          // Typed as a list, but an image the engine never saw in a registry may have none.
          const digests: unknown = info.RepoDigests;
          return Array.isArray(digests) ? digests.filter((d): d is string => typeof d === 'string') : [];
        } catch (err) {
          if (statusCodeOf(err) === 404) return undefined;
          throw err;
        }
      });
    },

    async registryDigest(ref, auth, signal) {
      const what = `Digest of ${ref} from ${registryOf(ref)}`;
      if (signal?.aborted) throw canceled(what);
      try {
        const docker = await client.docker();
        const options: Dockerode.ImageDistributionOptions = { authconfig: authConfig(auth) };
        if (signal) options.abortSignal = signal;
        const info = await abortable(docker.getImage(ref).distribution(options), signal, what);
        const digest: unknown = info.Descriptor?.digest;
        if (typeof digest !== 'string' || !digest) throw buildFailed(`${what} failed: the engine reported no digest`);
        return digest;
      } catch (err) {
        throw toEngineError(err, { endpoint, what, signal });
      }
    },

    async pull(ref, auth, log, signal) {
      const what = `Pull of ${ref} from ${registryOf(ref)}`;
      if (signal?.aborted) throw canceled(what);
      try {
        const docker = await client.docker();
        const options: { authconfig: Dockerode.AuthConfig; abortSignal?: AbortSignal } = { authconfig: authConfig(auth) };
        if (signal) options.abortSignal = signal;
        await followDistribution(() => docker.pull(ref, options), log, what, signal);
      } catch (err) {
        throw toEngineError(err, { endpoint, what, signal });
      }
    },

    async push(ref, auth, log, signal) {
      const what = `Push of ${ref} to ${registryOf(ref)}`;
      if (signal?.aborted) throw canceled(what);
      try {
        const docker = await client.docker();
        const options: Dockerode.ImagePushOptions = { authconfig: authConfig(auth) };
        if (signal) options.abortSignal = signal;
        return await followDistribution(() => docker.getImage(ref).push(options), log, what, signal);
      } catch (err) {
        throw toEngineError(err, { endpoint, what, signal });
      }
    },

    build: (req) => buildImage(client, req),

    async tag(image, ref) {
      const what = `Tagging ${image} as ${ref}`;
      // The tag endpoint takes a repository and a tag; a digest cannot be applied, only pulled.
      if (ref.includes('@')) throw buildFailed(`${what} failed: a tag cannot name a digest`);
      await call(client, what, 'build-failed', async (docker) => {
        await docker.getImage(image).tag(splitTag(ref));
      });
    },

    run: (req) => runCommand(client, req),

    withShell: (image, signal, use) => withShell(client, image, signal, use),

    copyOut: (image, path, dest, signal) => copyOut(client, image, path, dest, signal),

    runAndCopyOut: (req, path, dest) => runAndCopyOut(client, req, path, dest),

    async removeImage(ref) {
      await call(client, `Removing ${ref}`, 'system', async (docker) => {
        try {
          await docker.getImage(ref).remove();
        } catch (err) {
          if (statusCodeOf(err) !== 404) throw err;
        }
      });
    },

    async pruneDangling() {
      const info = await call(client, 'Pruning dangling images', 'system', (docker) =>
        docker.pruneImages({ filters: { dangling: { true: true } } }),
      );
      // Typed as a number, but the engine sends what it likes; a missing count means nothing freed.
      const reclaimed: unknown = info.SpaceReclaimed;
      return typeof reclaimed === 'number' ? reclaimed : 0;
    },

    forRun: (run) => dockerEngine({ ...client, labels: runLabels(run) }),

    containerRuns: () => call(client, 'Listing the containers of runs', 'system', () => containerRuns(client)),

    removeLeftovers: (runs) => call(client, 'Removing the containers left by stopped runs', 'system', () => removeLeftovers(client, runs)),
  };
}
