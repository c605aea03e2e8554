import { badInput } from '../core/errors.js';

/** Git's own limit is higher; 255 keeps names usable as file names and in image tags. */
const MAX_REF = 255;

/**
 * Returns `ref` when it is a branch or tag name `git check-ref-format --branch` would accept, else
 * throws a bad-input error naming the problem. The name reaches git's argv and refspecs, so anything
 * that could read as an option, a range or a refspec separator is refused before git sees it.
 */
export function checkRefName(ref: string): string {
  const problem = refProblem(ref);
  if (problem !== undefined) throw badInput(`invalid branch or tag name ${JSON.stringify(ref)}: ${problem}`);
  return ref;
}

function refProblem(ref: string): string | undefined {
  if (ref === '') return 'it is empty';
  if (ref.length > MAX_REF) return `it is longer than ${MAX_REF} characters`;
  // Named before the generic control-character rule because a newline can forge log and header lines.
  if (/[\r\n]/.test(ref)) return 'it contains a newline';
  if (ref.startsWith('-')) return "it starts with '-' (would read as an option)";
  if (/[\u0000-\u001f\u007f]/.test(ref)) return 'it contains a control character';
  const bad = /[ ~^:?*[\\]/.exec(ref);
  if (bad) return `it contains ${bad[0] === ' ' ? 'a space' : `'${bad[0]}'`}`;
  if (ref.includes('..')) return "it contains '..'";
  if (ref.includes('@{')) return "it contains '@{'";
  if (ref === '@') return "it is '@'";
  if (ref.startsWith('/')) return "it starts with '/'";
  if (ref.endsWith('/')) return "it ends with '/'";
  if (ref.includes('//')) return "it contains '//'";
  if (ref.endsWith('.')) return "it ends with '.'";
  for (const part of ref.split('/')) {
    if (part.startsWith('.')) return `component '${part}' starts with '.'`;
    if (part.endsWith('.lock')) return `component '${part}' ends with '.lock'`;
  }
  return undefined;
}
