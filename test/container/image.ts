import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command, capturing its output and exit code instead of throwing on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

async function must(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  const r = await run(cmd, args, { timeoutMs });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r.stdout.trim();
}

/**
 * The local Node 20 base (scripts/node-base.sh: debootstrap + this machine's Node, cached) and Roger's
 * image built on it from this checkout. Layers are cached, so only changed sources rebuild.
 */
export async function buildImage(tag: string): Promise<{ base: string; image: string }> {
  const base = (await must(join(ROOT, 'scripts', 'node-base.sh'), [], 20 * 60_000)).split('\n').pop() ?? '';
  const build = ['build', '--network', 'host', '--build-arg', `NODE_IMAGE=${base}`, '--build-arg', 'ROGER_REVISION=test'];
  // The build stage is tagged too: untagged, its layers are "dangling" and the engine's prune (which
  // Roger's housekeeping runs) would throw away the compiled dependencies the next run reuses.
  await must('docker', [...build, '--target', 'build', '-t', `${tag}-build-stage`, '.'], 30 * 60_000);
  await must('docker', [...build, '-t', tag, '.'], 30 * 60_000);
  return { base, image: tag };
}

export async function imageSize(ref: string): Promise<number> {
  return Number((await exec('docker', ['image', 'inspect', '-f', '{{.Size}}', ref])).stdout.trim());
}

export async function docker(...args: string[]): Promise<string> {
  return (await exec('docker', args, { maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
}

/** Removes a container, whatever state it is in; for cleanup. */
export async function removeContainer(id: string): Promise<void> {
  await run('docker', ['rm', '-f', '-v', id]);
}

/** docker-compose from Debian (`docker-compose` package), installed when missing as other services are. */
export async function ensureCompose(): Promise<void> {
  if ((await run('docker-compose', ['version']).catch(() => ({ code: -1 }))).code === 0) return;
  if (process.getuid?.() !== 0) throw new Error('docker-compose is missing (run: sudo apt-get install -y docker-compose)');
  await must('apt-get', ['update', '-qq'], 10 * 60_000);
  await must('apt-get', ['install', '-y', '-qq', 'docker-compose'], 10 * 60_000);
}
