import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { resolveInside } from '../buildfile/paths.js';
import type { BuildLog } from '../core/log.js';
import type { CheckedOut, PlannedProject } from './types.js';

/** Roger's rev.txt, byte for byte. */
export function revfileText(co: Pick<CheckedOut, 'ref' | 'commit'>): string {
  const { commit } = co;
  return [
    `Version: ${co.ref}`,
    `Date: ${commit.date}`,
    `Author: ${commit.author}`,
    `Sha: ${commit.sha}`,
    '',
    'Commit message:',
    '',
    `  ${commit.message.trimEnd()}`,
  ].join('\n');
}

/** Stage 3: write rev.txt into `<dockerfilePath>/<revfile>/` when the project asks for one. */
export async function writeRevfile(p: PlannedProject, co: CheckedOut, log: BuildLog): Promise<void> {
  if (p.project.revfile === undefined) return;
  // Resolved again at write time: a symlinked rev.txt or revfile dir must not let us write outside.
  const path = await resolveInside(p.contextDir, `${p.project.revfile}/rev.txt`, { label: 'revfile' });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, revfileText(co), { flag: 'w' });
  log.write(`Wrote ${p.project.revfile}/rev.txt`);
}
