import { spawnSync } from 'node:child_process';

/** Runs a command, throws with its output when it fails; returns wall time in ms. */
export function timed(cmd: string, args: string[], opts: { cwd?: string } = {}): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return ms;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

export const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};

export const fmt = (ms: number): string => `${ms.toFixed(0)} ms`;
