import pino, { type LoggerOptions } from 'pino';

type Masker = (text: string) => string;

/**
 * Pino options that pass every message and logged error (message and stack) through the masker
 * `current()` returns when the line is written, so a password a database driver echoes in an error
 * never reaches the log. `current` is read per line: serve learns the secrets only once the config
 * is loaded, after its logger exists.
 */
export function maskedLogOptions(current: () => Masker): Pick<LoggerOptions, 'hooks' | 'serializers'> {
  return {
    hooks: {
      logMethod(args, method) {
        const mask = current();
        const masked = args.map((arg: unknown) => (typeof arg === 'string' ? mask(arg) : arg)) as Parameters<typeof method>;
        method.apply(this, masked);
      },
    },
    serializers: {
      err: (err: Error) => {
        const serialized = pino.stdSerializers.err(err);
        const mask = current();
        return { ...serialized, message: mask(serialized.message), stack: mask(serialized.stack) };
      },
    },
  };
}
