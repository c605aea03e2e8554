import { buildFailed } from '../core/errors.js';
import type { Engine } from '../core/engine.js';
import type { BuildLog } from '../core/log.js';

/**
 * Stage 6: `after-build` commands, in order, each in a fresh container of the built image.
 * The first non-zero exit fails the build, so nothing is pushed.
 */
export async function runAfterBuild(
  engine: Engine,
  image: string,
  commands: string[],
  log: BuildLog,
  signal: AbortSignal,
): Promise<void> {
  for (const command of commands) {
    log.write(`Running after-build: ${command}`);
    const { exitCode } = await engine.run({ image, command, log, signal });
    if (exitCode !== 0) throw buildFailed(`after-build "${command}" exited with code ${exitCode}`);
    log.write(`after-build passed: ${command}`);
  }
}
