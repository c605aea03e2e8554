import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import type { Engine } from '../../src/core/engine.js';
import type { BuildLog } from '../../src/core/log.js';
import { CONTAINER_LABEL } from '../../src/engine/container.js';
import { createContextStream } from '../../src/engine/context.js';
import { createDockerEngine } from '../../src/engine/docker.js';

/** Shared set-up for the tests against the real engine and registry (see scripts/services.sh). */

export const SOCKET = '/var/run/docker.sock';
export const REGISTRY = '127.0.0.1:5000';
export const BASE = `${REGISTRY}/busybox:latest`;

export const run = promisify(execFile);

export function dockerEngine(): Engine {
  return createDockerEngine({ socketPath: SOCKET });
}

/** A raw client for assertions the Engine port does not offer (listing containers). */
export const docker = new Docker({ socketPath: SOCKET });

export interface MemoryLog extends BuildLog {
  lines: string[];
  text(): string;
}

export function memoryLog(): MemoryLog {
  const lines: string[] = [];
  return {
    lines,
    write: (text) => void lines.push(...text.split('\n')),
    text: () => lines.join('\n'),
  };
}

/** A reference no other test uses: `127.0.0.1:5000/roger-test-engine-<name>-<random>:<tag>`. */
export function testRef(name: string, tag = 'latest'): string {
  return `${REGISTRY}/roger-test-engine-${name}-${randomBytes(4).toString('hex')}:${tag}`;
}

export async function tempDir(prefix = 'roger-engine-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A directory holding `files` (relative name -> content). */
export async function writeTree(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('roger-ctx-');
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** Builds `dockerfile` (plus `files`) with the engine under test; resolves with the image id. */
export async function buildFrom(engine: Engine, dockerfile: string, tags: string[], files: Record<string, string> = {}) {
  const dir = await writeTree({ Dockerfile: dockerfile, ...files });
  const log = memoryLog();
  try {
    const { imageId } = await engine.build({ context: await createContextStream(dir), dockerfile: 'Dockerfile', tags, log });
    return { imageId, log };
  } finally {
    await removeDir(dir);
  }
}

/**
 * An image of its own (a unique label makes a unique id), so containers can be counted by ancestor
 * without seeing those of tests running in parallel.
 */
export async function uniqueImage(engine: Engine, name: string): Promise<string> {
  const ref = testRef(name);
  await buildFrom(engine, `FROM ${BASE}\nLABEL roger.test=${randomBytes(8).toString('hex')}\n`, [ref]);
  return ref;
}

/** Roger's containers (running or not) created from `image`. */
export async function containersOf(image: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { ancestor: [image], label: [CONTAINER_LABEL] } });
}

/** Removes a tag from the local registry (best effort), so test runs leave nothing behind. */
export async function deleteFromRegistry(ref: string, digest: string | undefined): Promise<void> {
  if (!digest) return;
  const repo = ref.slice(REGISTRY.length + 1).replace(/:[^:/]+$/, '');
  await fetch(`http://${REGISTRY}/v2/${repo}/manifests/${digest}`, { method: 'DELETE' }).catch(() => undefined);
}

/** Polls `check` until it holds or `ms` pass; resolves with whether it held. */
export async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
