import { parseArgs } from 'node:util';
import { badInput, toError } from '../core/errors.js';

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/** node:util parseArgs with errors turned into bad-input errors (exit 2, not a stack trace). */
export function parseCommandArgs<O extends Options>(args: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw badInput(toError(err).message, err);
  }
}
