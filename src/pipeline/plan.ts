import { join } from 'node:path';
import { resolveInside } from '../buildfile/paths.js';
import type { Config } from '../core/config.js';
import type { RegistryAuth } from '../core/engine.js';
import type { Project } from '../core/project.js';
import { autoTags, expandTemplate, imageTag } from './tag.js';
import type { CheckedOut, PlannedProject } from './types.js';

const DOCKER_HUB = 'docker.io';

/** Stage 2: resolve each project's context, image name and registry credentials. */
export async function planProject(project: Project, co: CheckedOut, config: Config): Promise<PlannedProject> {
  const contextDir = await resolveInside(co.dir, project.dockerfilePath, { label: 'dockerfilePath' });
  const tag = imageTag(co.ref, co.defaultBranch);
  const registry = project.registry === 'dockerhub' ? DOCKER_HUB : (project.registry ?? config.app.defaultRegistry);
  const repository = registry === DOCKER_HUB ? project.name : `${registry}/${project.name}`;
  const tags = [...new Set([tag, ...extraTags(project, co)])];
  const images = tags.map((t) => `${repository}:${t}`);
  return { project, contextDir, tag, registry, image: `${repository}:${tag}`, images, auth: registryAuth(registry, config) };
}

/**
 * The `tags:` templates expanded (those naming a value this ref has not are left out) and, with
 * `auto_tag:` on a semver git tag, its version tags. Throws bad input for a template Docker would refuse.
 */
function extraTags(project: Project, co: CheckedOut, now = new Date()): string[] {
  if (!co.refs) return [];
  const ctx = { ref: co.ref, refType: co.refs.refType, sha: co.commit.sha, now };
  const expanded = (project.tags ?? []).flatMap((t) => expandTemplate(t, ctx) ?? []);
  const auto = project.autoTag && co.refs.refType === 'tag' ? autoTags(co.ref, co.refs.tags) : [];
  return [...expanded, ...auto];
}

/** Credentials for a registry host: `auth.registries[host]`, or `auth.dockerhub` for Docker Hub. */
export function registryAuth(registry: string, config: Config): RegistryAuth | undefined {
  const creds = registry === DOCKER_HUB ? config.auth.dockerhub : config.auth.registries[registry];
  if (!creds) return undefined;
  const serveraddress = registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
  return { username: creds.username, password: creds.password, email: creds.email, serveraddress };
}

/** Where the builder pattern extracts files to: outside the checkout, inside the build's workDir. */
export const extractDir = (workDir: string, project: Project): string =>
  join(workDir, 'extract', encodeURIComponent(project.name));
