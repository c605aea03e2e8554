import type { HookRequest } from '../core/forge.js';

/** A header sent once and not empty; undefined otherwise. */
export function headerValue(req: HookRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
