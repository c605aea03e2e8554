import pino from 'pino';
import { loadConfig } from '../config/load.js';
import { createMasker, maskSecrets, maskUrlPasswords, secretValues } from '../config/mask.js';
import { toError, isRogerError } from '../core/errors.js';
import { parseCommandArgs } from './args.js';
import { maskedLogOptions } from './log-options.js';
import { createServer } from './server.js';

/** `roger serve [--config FILE] [--host ADDR] [--port N]`: runs until SIGTERM/SIGINT, then shuts down gracefully. */
export async function serveCommand(args: string[]): Promise<number> {
  // URL passwords are masked from the first line; the config's own secrets once it is read.
  let mask: (text: string) => string = maskUrlPasswords;
  const logOptions = maskedLogOptions(() => mask);
  const log = pino({ name: 'roger', ...logOptions });
  try {
    const { values } = parseCommandArgs(args, { config: { type: 'string', short: 'c' }, host: { type: 'string' }, port: { type: 'string', short: 'p' } }, false);
    const config = loadConfig({ file: values.config, env: process.env });
    if (values.port !== undefined) {
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got "${values.port}"`);
      config.app.port = port;
    }
    if (values.host !== undefined) {
      if (values.host === '') throw new Error('--host must name an address, e.g. 127.0.0.1 or 0.0.0.0');
      config.app.host = values.host;
    }
    const secrets = createMasker(secretValues(config));
    mask = (text) => secrets(maskUrlPasswords(text));
    log.info({ config: maskSecrets(config) }, 'configuration');
    const server = await createServer(config, log, logOptions);
    const address = await server.listen();
    log.info(`Roger running on port ${address.port}`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    log.info('shutting down: no new requests, waiting for running builds');
    await server.close(config.builds.shutdownGrace * 1000);
    log.info('stopped');
    return 0;
  } catch (err) {
    const error = toError(err);
    log.error(`roger serve: ${error.message}`);
    return isRogerError(error, 'bad-input') ? 2 : 1;
  }
}
