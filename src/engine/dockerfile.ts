/**
 * Just enough Dockerfile parsing to know which images a build's FROM lines need, so the pipeline can
 * pull them (with the right registry's credentials) before building with `pull: false`. Follows the
 * legacy builder's parser: parser directives, line continuations, comments, global ARGs, stage names.
 */

export { registryOf } from './ref.js';

interface Instruction {
  keyword: string;
  args: string;
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

/** The `# escape=` parser directive: only honoured in the leading block of directive comments. */
function escapeChar(lines: string[]): string {
  let escape = '\\';
  for (const line of lines) {
    const m = DIRECTIVE.exec(line);
    if (!m) break;
    if (m[1]?.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escape = m[2];
  }
  return escape;
}

/** Logical instructions: continuations joined, comments and blank lines dropped. */
function instructions(text: string): { list: Instruction[]; escape: string } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const escape = escapeChar(lines);
  const continued = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  const list: Instruction[] = [];
  // The physical lines of the instruction being continued, joined once it ends: testing and cutting
  // only the new line keeps a long continuation linear (a growing string re-scanned per line is not).
  let parts: string[] = [];
  for (const raw of lines) {
    const trimmed = raw.trim();
    // Comment lines are removed even in the middle of a continuation, as Docker does; so are blank
    // lines inside one (Docker only warns about those). A line kept here has a non-blank character, so
    // its trailing escape is all that the joined line's end could match.
    if (trimmed.startsWith('#') || trimmed === '') continue;
    if (continued.test(raw)) {
      parts.push(raw.replace(continued, ''));
      continue;
    }
    parts.push(raw);
    push(parts.join(''));
    parts = [];
  }
  if (parts.length > 0) push(parts.join(''));
  return { list, escape };

  function push(line: string): void {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(line);
    if (m?.[1]) list.push({ keyword: m[1].toUpperCase(), args: (m[2] ?? '').trim() });
  }
}

/** A word without its surrounding quotes (ARG values may be quoted). */
function unquote(word: string): string {
  const m = /^(["'])([\s\S]*)\1$/.exec(word);
  return m ? (m[2] ?? '') : word;
}

/** Index of the `}` closing the `${` at `open`, honouring nested `${...}`; -1 when unbalanced. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Docker's word expansion for `$X`, `${X}`, `${X:-word}`, `${X-word}`, `${X:+word}`, `${X+word}`. */
export function expand(text: string, vars: ReadonlyMap<string, string>, escape = '\\'): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (ch === escape && text[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    if (text[i + 1] === '{') {
      const close = closingBrace(text, i + 1);
      const m = close === -1 ? null : /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([\s\S]*))?$/.exec(text.slice(i + 2, close));
      if (!m?.[1]) {
        out += text.slice(i);
        break;
      }
      const value = vars.get(m[1]);
      const op = m[2];
      const word = m[3] ?? '';
      if (op === ':-') out += value ? value : expand(word, vars, escape);
      else if (op === '-') out += value !== undefined ? value : expand(word, vars, escape);
      else if (op === ':+') out += value ? expand(word, vars, escape) : '';
      else if (op === '+') out += value !== undefined ? expand(word, vars, escape) : '';
      else out += value ?? '';
      i = close + 1;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
    if (name) {
      out += vars.get(name) ?? '';
      i += 1 + name.length;
    } else {
      out += '$';
      i++;
    }
  }
  return out;
}

/** `ARG A=1 B` -> [['A', '1'], ['B', undefined]]. */
function argDeclarations(args: string): Array<[string, string | undefined]> {
  const words = args.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  return words.map((word) => {
    const eq = word.indexOf('=');
    return eq === -1 ? [word, undefined] : [word.slice(0, eq), word.slice(eq + 1)];
  });
}

/** Same image spelled with or without `:latest` counts once. */
function dedupeKey(ref: string): string {
  if (ref.includes('@')) return ref;
  return ref.lastIndexOf(':') > ref.lastIndexOf('/') ? ref : `${ref}:latest`;
}

/**
 * The images the Dockerfile's FROM lines need, in order, without duplicates: stage references and
 * `scratch` are not images. Global ARGs (before the first FROM) are substituted, build args overriding
 * their defaults, as the builder does.
 */
export function baseImages(dockerfileText: string, buildargs: Record<string, string> = {}): string[] {
  const { list, escape } = instructions(dockerfileText);
  const vars = new Map<string, string>();
  const stages = new Set<string>();
  const seen = new Set<string>();
  const images: string[] = [];
  let sawFrom = false;

  for (const { keyword, args } of list) {
    if (keyword === 'ARG' && !sawFrom) {
      for (const [name, value] of argDeclarations(args)) {
        // Only declared ARGs take build args, and defaults may refer to earlier ARGs.
        const given = Object.hasOwn(buildargs, name) ? buildargs[name] : undefined;
        const resolved = given ?? (value === undefined ? undefined : expand(unquote(value), vars, escape));
        if (resolved !== undefined) vars.set(name, resolved);
      }
      continue;
    }
    if (keyword !== 'FROM') continue;
    sawFrom = true;
    const words = args.split(/\s+/).filter((w) => w && !w.startsWith('--'));
    const image = expand(words[0] ?? '', vars, escape);
    // Only stages named before this line count; stage names are case-insensitive.
    const isImage = image !== '' && image.toLowerCase() !== 'scratch' && !stages.has(image.toLowerCase());
    if (words[1]?.toLowerCase() === 'as' && words[2]) stages.add(words[2].toLowerCase());
    const key = dedupeKey(image);
    if (!isImage || seen.has(key)) continue;
    seen.add(key);
    images.push(image);
  }
  return images;
}
