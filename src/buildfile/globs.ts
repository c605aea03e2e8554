import { RE2JS } from 're2js';

/** A path glob is a short line; a longer one is a mistake or an attack. */
export const MAX_GLOB_LENGTH = 500;
/** Globs per `paths:` or `paths-ignore:` list. */
export const MAX_GLOBS = 100;

/** A list of `paths:` or `paths-ignore:` globs, compiled once, tested against many changed paths. */
export interface PathGlobs {
  /** Whether `path` (repository-relative, `/`-separated, no leading `/`) is matched: the last glob
   *  that matches it decides, and a `!glob` that matches un-matches it, as in `.gitignore`. */
  matches(path: string): boolean;
}

/**
 * Compiles globs written as `.gitignore` lines (Woodpecker's `when.path` uses the same shapes):
 * `*` and `?` stay within one path segment, `**` crosses segments, `[a-z]`/`[!a-z]` are classes,
 * `\` escapes. A glob without a `/` (but a trailing one) matches a name at any depth; with one it is
 * anchored at the repository root. A glob matching a directory matches every file below it, and a
 * trailing `/` matches only directories. Each becomes an RE2 expression: build.yml is untrusted, and
 * a backtracking engine spends exponential time on globs like `*a*a*a*a*a*a*b` against a long path.
 */
export function compileGlobs(globs: readonly string[]): PathGlobs {
  const rules = globs.map((glob) => {
    const negated = glob.startsWith('!');
    return { negated, re: RE2JS.compile(globSource(negated ? glob.slice(1) : glob)) };
  });
  return {
    matches(path) {
      for (let i = rules.length - 1; i >= 0; i--) {
        const rule = rules[i];
        if (rule?.re.matches(path)) return !rule.negated;
      }
      return false;
    },
  };
}

/** Why a glob is refused, or undefined when it can be used. */
export function globProblem(glob: string): string | undefined {
  if (glob.length > MAX_GLOB_LENGTH) return `glob is ${glob.length} characters long; the limit is ${MAX_GLOB_LENGTH}`;
  const body = glob.startsWith('!') ? glob.slice(1) : glob;
  if (body.replace(/\/+/g, '') === '') return `glob ${JSON.stringify(glob)} names no file; use "**" for every file`;
  if (/[\0\n\r]/.test(glob)) return 'glob holds a control character';
  try {
    RE2JS.compile(globSource(body));
  } catch (err) {
    return `glob ${JSON.stringify(glob.slice(0, 100))} cannot be matched: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

/** The RE2 source (to match a whole path) of one glob without its `!`. */
export function globSource(glob: string): string {
  let g = glob;
  const dirOnly = g.endsWith('/');
  g = g.replace(/\/+$/, '');
  // A `/` anywhere but at the end anchors the glob at the root; otherwise it matches at any depth.
  const anchored = g.includes('/');
  g = g.replace(/^\/+/, '');
  const body = translate(g);
  const prefix = anchored || g.startsWith('**') ? '' : '(?:.*/)?';
  // A directory (here: anything with a path below it) matches every file inside it.
  const suffix = dirOnly ? '/.*' : '(?:/.*)?';
  return `^${prefix}${body}${suffix}$`;
}

/** Glob characters to RE2, everything else quoted. Linear in the glob's length. */
function translate(g: string): string {
  let out = '';
  let i = 0;
  while (i < g.length) {
    const c = g[i] as string;
    if (c === '*') {
      let j = i;
      while (g[j] === '*') j++;
      const stars = j - i;
      const segmentStart = i === 0 || g[i - 1] === '/';
      const segmentEnd = j === g.length || g[j] === '/';
      if (stars >= 2 && segmentStart && segmentEnd) {
        if (j === g.length) {
          // `dir/**`: everything below; `**` alone: everything.
          out += '.*';
          i = j;
        } else {
          // `**/`: zero or more whole directories.
          out += '(?:.*/)?';
          i = j + 1;
        }
      } else {
        out += '[^/]*';
        i = j;
      }
      continue;
    }
    if (c === '?') {
      out += '[^/]';
      i++;
      continue;
    }
    if (c === '\\' && i + 1 < g.length) {
      out += quote(g[i + 1] as string);
      i += 2;
      continue;
    }
    if (c === '[') {
      const cls = charClass(g, i);
      if (cls) {
        out += cls.source;
        i = cls.end;
        continue;
      }
    }
    out += quote(c);
    i++;
  }
  return out;
}

/** `[...]` starting at `start`, or undefined when it never closes (then `[` is literal, as in git). */
function charClass(g: string, start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (g[i] === '!' || g[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  while (i < g.length) {
    const c = g[i] as string;
    if (c === ']' && !first) {
      if (body === '') return undefined;
      // A class never matches the separator, as in git.
      return { source: negate ? `[^/${body}]` : `(?:[${body}])`, end: i + 1 };
    }
    if (c === '\\' && i + 1 < g.length) {
      body += classChar(g[i + 1] as string);
      i += 2;
    } else {
      body += c === '-' ? '-' : classChar(c);
      i++;
    }
    first = false;
  }
  return undefined;
}

const classChar = (c: string): string => (/[\\\]^[]/.test(c) ? `\\${c}` : c);
const quote = (c: string): string => (/[\\^$.|?*+()[\]{}]/.test(c) ? `\\${c}` : c);
