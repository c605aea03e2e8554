import { Readable } from 'node:stream';
import type { RunRequest } from '../core/engine.js';
import { abortable } from './abort.js';
import type { EngineClient } from './client.js';
import { withContainer } from './container.js';
import { archiveInto, extractionRoot } from './copy-out.js';
import { canceled } from './errors.js';
import { commandContainer, execute } from './run.js';

/**
 * `docker run image sh -c command; docker cp container:path dest; docker rm container`: the files a
 * command writes (a `gulp build` before a publish) exist only in the container that ran it.
 */
export async function runAndCopyOut(
  client: EngineClient,
  req: RunRequest,
  path: string,
  dest: string,
): Promise<{ exitCode: number }> {
  const what = `Command in ${req.image}`;
  const copyWhat = `Copy of ${path} out of ${req.image}`;
  if (req.signal?.aborted) throw canceled(what);
  const root = await extractionRoot(dest, copyWhat);
  return withContainer(
    client,
    commandContainer(req.image, req.command),
    { endpoint: client.endpoint, what, signal: req.signal },
    (container, docker, remove) => {
      let archive: NodeJS.ReadableStream | undefined;
      const work = (async () => {
        const { exitCode } = await execute(docker, container, req.log);
        if (exitCode !== 0) return { exitCode };
        await archiveInto(container, path, root, copyWhat, (a) => (archive = a));
        return { exitCode };
      })();
      return abortable(work, req.signal, what, () => {
        if (archive instanceof Readable) archive.destroy(canceled(copyWhat));
        void remove().catch(() => undefined);
      });
    },
  );
}
