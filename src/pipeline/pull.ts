import { toError } from '../core/errors.js';
import { baseImages, registryOf } from '../engine/dockerfile.js';
import type { Config } from '../core/config.js';
import type { Engine } from '../core/engine.js';
import type { BuildLog } from '../core/log.js';
import { registryAuth } from './plan.js';

/**
 * Stage 4: pull every image the Dockerfile's FROM lines name, so builds use the registry's current
 * base. A failed pull is only a warning when the engine already has the image.
 */
export async function pullBaseImages(
  engine: Engine,
  dockerfileText: string,
  opts: { config: Config; buildargs?: Record<string, string>; log: BuildLog; signal: AbortSignal },
): Promise<void> {
  const images = baseImages(dockerfileText, opts.buildargs);
  await Promise.all(
    images.map(async (image) => {
      const auth = registryAuth(registryOf(image), opts.config);
      try {
        await engine.pull(image, auth, opts.log, opts.signal);
        opts.log.write(`Pulled ${image}`);
      } catch (err) {
        if (opts.signal.aborted) throw err;
        if (!(await engine.imageExists(image))) throw err;
        opts.log.write(`Warning: could not pull ${image} (${toError(err).message}); using the local image`);
      }
    }),
  );
}
