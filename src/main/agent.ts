import pino from 'pino';
import { loadConfig } from '../config/load.js';
import { badInput, isRogerError, toError } from '../core/errors.js';
import { removeStaleWorkspaces } from '../runner/housekeeping.js';
import { openStore } from '../store/open.js';
import { parseCommandArgs } from './args.js';
import { createBuildRunner } from './runner.js';

/**
 * `roger agent --config FILE`: runs queued builds from a shared Postgres next to this host's Docker
 * engine. No HTTP server: the `serve` process answers the API and reads the logs agents write.
 */
export async function agentCommand(args: string[]): Promise<number> {
  const log = pino({ name: 'roger-agent' });
  try {
    const { values } = parseCommandArgs(args, { config: { type: 'string', short: 'c' } }, false);
    const config = loadConfig({ file: values.config, env: process.env });
    if (!config.database.url?.startsWith('postgres')) throw badInput('an agent needs database.url: postgres://... shared with the server');
    const store = await openStore(config.database.url, { dataDir: config.paths.builds });
    await removeStaleWorkspaces(config.paths.builds, log);
    const runner = createBuildRunner({ config, store, log, perProcess: true, role: 'agent' });
    // An engine that is down does not stop the agent: it reports itself unhealthy and waits for it.
    await runner.start();
    if (!runner.presence?.healthy) log.warn(`agent ${config.agent.name}: the Docker engine does not answer; claiming nothing until it does`);
    const labels = Object.entries(config.agent.labels).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';
    log.info(`Roger agent ${config.agent.name} running (${config.builds.concurrent ?? 'unlimited'} builds at once; labels: ${labels})`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await runner.stop(config.builds.shutdownGrace * 1000);
    await runner.notificationsSent(10_000);
    await store.close();
    return 0;
  } catch (err) {
    const error = toError(err);
    log.error(`roger agent: ${error.message}`);
    return isRogerError(error, 'bad-input') ? 2 : 1;
  }
}
