import { checkRefName } from './ref.js';

/**
 * Reads the remote's default branch out of git's packet trace (GIT_TRACE_PACKET) of a fetch that
 * named `HEAD`: the advertisement says where HEAD points, and git keeps it nowhere a fetch leaves
 * behind. Protocol v2 says `<oid> HEAD symref-target:refs/heads/<name>`; v0 lists
 * `symref=HEAD:refs/heads/<name>` among the capabilities after HEAD's line.
 */
export class AdvertisedHead {
  private found: string | undefined;

  /** Feeds one trace line. */
  readonly line = (line: string): void => {
    if (this.found !== undefined) return;
    // Only what the remote sent (`fetch<`, `git<`) or the local upload-pack wrote (`upload-pack>`).
    const m = /(?:<|upload-pack>) ([0-9a-f]{40,64}) HEAD(.*)$/.exec(line);
    if (!m) return;
    const rest = unescape(m[2] ?? '');
    const name = /^ symref-target:refs\/heads\/(\S+)$/.exec(rest)?.[1] ?? /^\0(?:.*[ ])?symref=HEAD:refs\/heads\/([^\s\0]+)/.exec(rest)?.[1];
    if (name !== undefined && isRefName(name)) this.found = name;
  };

  /** The branch HEAD names, or undefined when the remote did not say (no HEAD, or a HEAD not on a branch). */
  get branch(): string | undefined {
    return this.found;
  }
}

/**
 * git traces a byte outside printable ASCII as `\` and its octal value (a signed char, so a byte
 * over 0x7f reads as eleven octal digits `37777777xxx`: its low byte is the byte).
 */
function unescape(traced: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < traced.length; ) {
    const m = traced[i] === '\\' ? /^\\(37777777[0-7]{3}|[0-7]{1,3})/.exec(traced.slice(i, i + 12)) : null;
    if (m?.[1] !== undefined) {
      bytes.push(Number.parseInt(m[1], 8) & 0xff);
      i += m[0].length;
    } else {
      bytes.push(traced.charCodeAt(i) & 0xff);
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function isRefName(name: string): boolean {
  try {
    checkRefName(name);
    return true;
  } catch {
    return false;
  }
}
