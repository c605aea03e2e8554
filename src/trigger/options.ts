import { badInput } from '../core/errors.js';
import type { BuildOptions } from '../core/build.js';

const ALLOWED = ['nocache', 'pull', 'buildargs', 'target'] as const;
const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const TARGET = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Build options from an untrusted request: only a safe list reaches the engine. Options such as
 * `networkmode`, `cpusetcpus` or `extrahosts` could let a request escape its sandbox, so any key not
 * listed is refused rather than dropped, and the caller learns why.
 */
export function parseBuildOptions(raw: unknown): BuildOptions {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badInput('options must be an object, e.g. options[nocache]=true');
  const entries = Object.entries(raw as Record<string, unknown>);
  const options: BuildOptions = {};
  for (const [key, value] of entries) {
    switch (key) {
      case 'nocache':
      case 'pull':
        options[key] = toBool(key, value);
        break;
      case 'target':
        if (typeof value !== 'string' || !TARGET.test(value)) throw badInput('options.target must be a build stage name');
        options.target = value;
        break;
      case 'buildargs':
        options.buildargs = toBuildArgs(value);
        break;
      default:
        throw badInput(`option "${key.slice(0, 64)}" is not allowed (allowed: ${ALLOWED.join(', ')})`);
    }
  }
  return options;
}

function toBool(key: string, value: unknown): boolean {
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw badInput(`options.${key} must be true or false`);
}

function toBuildArgs(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badInput('options.buildargs must be an object');
  const args: Record<string, string> = {};
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 64) throw badInput('options.buildargs: at most 64 arguments');
  for (const [name, v] of entries) {
    if (!BUILD_ARG_NAME.test(name)) throw badInput(`options.buildargs: "${name.slice(0, 64)}" is not a valid argument name`);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw badInput(`options.buildargs.${name} must be a string`);
    const s = String(v);
    if (s.length > 4096) throw badInput(`options.buildargs.${name} is too long`);
    args[name] = s;
  }
  return args;
}
