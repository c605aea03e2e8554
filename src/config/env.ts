import { badInput } from '../core/errors.js';
import { REPLACED_WHOLE } from './defaults.js';
import { envValue } from './env-value.js';
import { fileSchema } from './schema.js';
import { knownKeys, schemaAt } from './schema-walk.js';
import { type Path, type Tree, getIn, isPlainObject, isPrefix, pathText, setOwn } from './tree.js';

/** Which variable set which key, so validation errors can name the variable instead of a file line. */
export interface EnvOrigin {
  name: string;
  path: string[];
}

const PREFIX = 'ROGER_';
/** Roger 1.x (reconfig): `ROGER_CONFIG_auth_github`, one `_` between levels. */
const LEGACY_PREFIX = 'ROGER_CONFIG_';
/** The config file path, not a setting. */
export const CONFIG_FILE_VAR = 'ROGER_CONFIG';

/**
 * Applies `ROGER_<SECTION>__<KEY>...` variables to `tree` in place. Variables whose first segment is not a
 * config section are left alone: orchestrators inject their own ROGER_* names (Kubernetes' ROGER_PORT
 * for a service called roger), and those must not stop the server.
 */
export function applyEnv(tree: Tree, env: NodeJS.ProcessEnv, fileData: Tree): EnvOrigin[] {
  const sections = knownKeys(fileSchema) ?? [];
  const parsed: { name: string; raw: string; segments: string[]; legacy: boolean }[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || name === CONFIG_FILE_VAR || !name.startsWith(PREFIX)) continue;
    const legacy = name.startsWith(LEGACY_PREFIX);
    const segments = legacy ? name.slice(LEGACY_PREFIX.length).split('_') : name.slice(PREFIX.length).split('__');
    if (!legacy && !sections.some((section) => norm(section) === norm(segments[0] ?? ''))) {
      rejectSingleUnderscore(name, sections);
      continue;
    }
    if (segments.some((segment) => segment === '')) throw badInput(`${name}: empty key segment in the variable name`);
    parsed.push({ name, raw, segments, legacy });
  }
  // Shallow paths first, so ROGER_DOCKER__CLIENT='{...}' can be refined by ROGER_DOCKER__CLIENT__PORT.
  parsed.sort((a, b) => a.segments.length - b.segments.length || a.name.localeCompare(b.name));

  const replaced = new Set<string>();
  return parsed.map(({ name, raw, segments, legacy }) => {
    const path = keyPath(tree, segments, legacy);
    for (const whole of REPLACED_WHOLE) {
      const key = pathText(whole);
      const first = !replaced.has(key) && getIn(fileData, whole) === undefined;
      if (first && path.length > whole.length && isPrefix(whole, path)) {
        setIn(tree, whole, {}, name);
        replaced.add(key);
      }
    }
    setIn(tree, path, envValue(raw, schemaAt(fileSchema, path)), name);
    return { name, path };
  });
}

/** `ROGER_APP_PORT` is almost certainly a typo for `ROGER_APP__PORT`; ignoring it would hide that. */
function rejectSingleUnderscore(name: string, sections: string[]): void {
  const rest = name.slice(PREFIX.length);
  for (const section of sections) {
    const head = `${screaming(section)}_`;
    if (rest.startsWith(head)) {
      const suggestion = `${PREFIX}${screaming(section)}__${rest.slice(head.length)}`;
      throw badInput(`${name}: separate levels with "__", e.g. ${suggestion}`);
    }
  }
}

/** Matches each segment to a key the tree or schema already has, ignoring case, `_`, `-` and `.`. */
function keyPath(tree: Tree, segments: string[], legacy: boolean): string[] {
  const path: string[] = [];
  for (const segment of segments) {
    const node = getIn(tree, path);
    const existing = isPlainObject(node) ? Object.keys(node) : [];
    const candidates = [...existing, ...(knownKeys(schemaAt(fileSchema, path)) ?? [])];
    const index = Array.isArray(node) && /^\d+$/.test(segment) ? segment : undefined;
    const match = index ?? candidates.find((key) => norm(key) === norm(segment));
    path.push(match ?? (legacy ? segment : camel(segment)));
  }
  return path;
}

function setIn(tree: Tree, path: Path, value: unknown, name: string): void {
  let node: unknown = tree;
  path.forEach((segment, i) => {
    const key = String(segment);
    const last = i === path.length - 1;
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      if (last) node[Number(key)] = value;
      else node = node[Number(key)] ?? (node[Number(key)] = {});
      return;
    }
    if (!isPlainObject(node)) {
      throw badInput(`${name}: cannot set ${pathText(path)}: ${pathText(path.slice(0, i))} is not a mapping`);
    }
    if (last) return setOwn(node, key, value);
    const child = Object.hasOwn(node, key) ? node[key] : undefined;
    if (child === undefined || child === null) setOwn(node, key, {});
    node = node[key];
  });
}

const norm = (key: string): string => key.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
const camel = (segment: string): string =>
  segment.toLowerCase().replace(/_+([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const screaming = (key: string): string =>
  key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
