import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { createMasker, secretValues } from '../config/mask.js';
import { isRogerError, toError } from '../core/errors.js';
import { createDockerEngine } from '../engine/docker.js';
import { createGit } from '../git/cli.js';
import { gitCacheOf } from '../git/mirror.js';
import { checkRefName, checkRepoUrl } from '../git/url.js';
import { createLineLog } from '../logs/line-log.js';
import { KeyedLock } from '../core/keyed-lock.js';
import { runPipeline } from '../pipeline/run.js';
import { parseCommandArgs } from './args.js';

/** The person at the shell is trusted with any scheme; the server's allowedSchemes guard HTTP input. */
const ALL_SCHEMES = ['https', 'http', 'ssh', 'git', 'file'];

/** `roger build REPO [--branch B] [--config FILE] [--nocache]`: exit 0 passed, 1 failed, 2 bad input. */
export async function buildCommand(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const controller = new AbortController();
  const stop = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const { values, positionals } = parseCommandArgs(args, {
      branch: { type: 'string', short: 'b' },
      config: { type: 'string', short: 'c' },
      nocache: { type: 'boolean' },
    });
    if (positionals.length !== 1) {
      err.write('usage: roger build REPO [--branch B] [--config FILE] [--nocache]\n');
      return 2;
    }
    const config = loadConfig({ file: values.config, env: process.env });
    const repo = localOrUrl(checkRepoUrl(positionals[0] ?? '', ALL_SCHEMES));
    const ref = values.branch === undefined ? undefined : checkRefName(values.branch);
    const secrets = secretValues(config);
    const log = createLineLog((line) => out.write(line), { mask: createMasker(secrets) });
    const engine = createDockerEngine(config.docker.client);
    // Checked while git fetches: loading the Docker client costs about 100 ms of start-up on its own.
    const pinging = engine.ping().then(
      () => undefined,
      (e: unknown) => {
        controller.abort(e);
        return toError(e);
      },
    );
    const running = runPipeline(
      { engine, git: createGit({ cache: gitCacheOf(config) }), config, pushLock: new KeyedLock() },
      {
        repo,
        ref,
        options: { nocache: values.nocache === true },
        workDir: join(config.paths.builds, 'workspaces', `cli-${randomBytes(6).toString('hex')}`),
        log,
        signal: controller.signal,
      },
    );
    const [engineDown, result] = await Promise.all([pinging, running]);
    if (engineDown) throw engineDown;
    if (result.failure) return result.failure.badInput ? 2 : 1;
    return result.results.every((r) => r.outcome === 'passed' || r.outcome === 'skipped') ? 0 : 1;
  } catch (e) {
    const error = toError(e);
    err.write(`roger build: ${error.message}\n`);
    return isRogerError(error, 'bad-input') ? 2 : 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** A local directory becomes an absolute path, so git and the log name it unambiguously. */
function localOrUrl(repo: string): string {
  return !repo.includes('://') && existsSync(repo) ? resolve(repo) : repo;
}
