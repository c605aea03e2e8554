import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Roger's version from package.json (two levels up from src/main and from dist/main alike). */
export function rogerVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
    const version = typeof pkg === 'object' && pkg !== null ? Reflect.get(pkg, 'version') : undefined;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
