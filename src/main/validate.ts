import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isRogerError } from '../core/errors.js';
import { parseBuildFile, sizeError } from '../buildfile/parse.js';

const USAGE = 'usage: roger validate [FILE]   (default ./build.yml)\n';

function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/**
 * `roger validate [FILE]`: 0 and `FILE: ok (...)` when valid; 1 and `FILE:LINE:COL message` lines on
 * `err` when not; 2 when there is nothing to validate (no such file, bad arguments).
 */
export async function validateCommand(
  args: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    out.write(USAGE);
    return 0;
  }
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) {
    err.write(USAGE);
    return 2;
  }
  const file = args[0] ?? 'build.yml';
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) {
      err.write(`${file}: not a file\n`);
      return 2;
    }
    // Checked before reading, so a huge file is never loaded into memory.
    const tooBig = sizeError(file, stat.size);
    if (tooBig) {
      err.write(`${tooBig.message}\n`);
      return 1;
    }
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = errorCode(e);
    err.write(code === 'ENOENT' ? `${file}: no such file\n` : `${file}: cannot read (${code ?? String(e)})\n`);
    return 2;
  }
  try {
    // A file without projects describes one project named after the repository: its directory.
    const repo = path.basename(path.dirname(path.resolve(file)));
    const { projects } = parseBuildFile(text, { fileName: file, repo });
    const names = projects.map((p) => p.name).join(', ');
    out.write(`${file}: ok (${projects.length} project${projects.length === 1 ? '' : 's'}: ${names})\n`);
    return 0;
  } catch (e) {
    if (!isRogerError(e, 'bad-input')) throw e;
    err.write(`${e.message}\n`);
    return 1;
  }
}
