import { buildFailed } from '../core/errors.js';
import type { Engine } from '../core/engine.js';
import type { BuildLog } from '../core/log.js';

/**
 * Stage 6: `after-build` commands, in order; the first non-zero exit fails the build, so nothing is
 * pushed. `fresh` (Roger's way) runs each in a new container of the built image. `shared` runs them all
 * in one container by `docker exec`, which saves a container per command but lets a command see what
 * the ones before it left behind (files, background processes); images the engine cannot keep a shared
 * container of (an ENTRYPOINT, no /bin/sh) get fresh containers. One command always runs fresh: a
 * shared container would only add an exec to it.
 */
export async function runAfterBuild(
  engine: Engine,
  image: string,
  commands: string[],
  opts: { container: 'fresh' | 'shared'; log: BuildLog; signal: AbortSignal },
): Promise<void> {
  const { log, signal } = opts;
  if (opts.container === 'shared' && commands.length > 1) {
    const shared = await engine.withShell(image, signal, async (exec) => {
      for (const command of commands) await runOne(command, log, () => exec(command, log));
    });
    if (shared) return;
    log.write('after-build: the image has an ENTRYPOINT or no /bin/sh, so each command runs in a fresh container');
  }
  for (const command of commands) await runOne(command, log, () => engine.run({ image, command, log, signal }));
}

async function runOne(command: string, log: BuildLog, run: () => Promise<{ exitCode: number }>): Promise<void> {
  log.write(`Running after-build: ${command}`);
  const { exitCode } = await run();
  if (exitCode !== 0) throw buildFailed(`after-build "${command}" exited with code ${exitCode}`);
  log.write(`after-build passed: ${command}`);
}
