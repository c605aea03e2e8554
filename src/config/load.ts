import { readFileSync } from 'node:fs';
import type { Config } from '../core/config.js';
import { badInput } from '../core/errors.js';
import { CONFIG_FILE_VAR, type EnvOrigin, applyEnv } from './env.js';
import { ConfigIssues, formatIssues, fromZod } from './issues.js';
import { withDefaults } from './merge.js';
import { resolveRefs } from './refs.js';
import { configSchema } from './schema.js';
import { type ConfigSource, parseSource } from './source.js';
import { type Path, isPrefix } from './tree.js';

export interface LoadConfigOptions {
  /** config.yml to read; when absent, $ROGER_CONFIG; when both are absent, defaults and environment only. */
  file?: string;
  /** Defaults to process.env: the one place the server reads it. */
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const file = opts.file ?? (env[CONFIG_FILE_VAR] || undefined);
  if (file === undefined) return parseConfig('', { env });
  return parseConfig(readConfigFile(file), { source: file, env });
}

/** config.yml text -> Config; `source` names the file in error messages. */
export function parseConfig(text: string, opts: { source?: string; env?: NodeJS.ProcessEnv } = {}): Config {
  const source = parseSource(text, opts.source ?? 'config.yml');
  const tree = withDefaults(source.data);
  const origins = applyEnv(tree, opts.env ?? {}, source.data);
  try {
    const result = configSchema.safeParse(resolveRefs(tree));
    if (result.success) return result.data;
    throw new ConfigIssues(fromZod(result.error));
  } catch (err) {
    if (err instanceof ConfigIssues) throw badInput(formatIssues(err.issues, locator(source, origins)), err);
    throw err;
  }
}

function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? err.code : undefined;
    const reason = code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err);
    throw badInput(`cannot read config file ${file}: ${reason}`, err);
  }
}

/**
 * A variable that set the key (or a mapping above it) wins over the file line it replaced; a key missing
 * from a mapping the environment created is that variable's fault, not the file's.
 */
function locator(source: ConfigSource, origins: EnvOrigin[]) {
  const deepest = (match: (o: EnvOrigin) => boolean) =>
    origins.filter(match).sort((a, b) => b.path.length - a.path.length)[0];
  return (path: Path): { label: string; order: number } => {
    const pos = source.locate(path);
    const origin =
      deepest((o) => isPrefix(o.path, path)) ??
      (pos && pos.depth >= path.length - 1 ? undefined : deepest((o) => isPrefix(path.slice(0, -1), o.path)));
    if (origin) return { label: origin.name, order: Number.MAX_SAFE_INTEGER };
    if (!pos) return { label: source.name, order: 0 };
    return { label: `${source.name}:${pos.line}:${pos.col}`, order: pos.line * 10_000 + pos.col };
  };
}
