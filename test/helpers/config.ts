import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/core/config.js';

/** A config.yml written to a temp dir (so tests go through the real loader), with its own paths.builds. */
export function testConfig(yaml = ''): { config: Config; file: string; dir: string } {
  const { file, dir } = writeConfig(yaml);
  return { config: loadConfig({ file, env: {} }), file, dir };
}

/** Only writes the file (for configs that are meant to be refused). */
export function writeConfig(yaml = ''): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'roger-test-'));
  const file = join(dir, 'config.yml');
  const base = `paths:\n  builds: ${join(dir, 'builds')}\n`;
  writeFileSync(file, mergeYaml(base, yaml));
  return { file, dir };
}

/** Adds `paths` unless the test's YAML sets it; tests give whole top-level sections. */
function mergeYaml(base: string, extra: string): string {
  return /^paths:/m.test(extra) ? extra : `${base}${extra}`;
}

/** A short random suffix so images of parallel test files never collide in the shared registry. */
export const uniq = (): string => Math.random().toString(36).slice(2, 8);
