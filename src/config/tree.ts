/** Helpers for the plain data trees that YAML and the environment produce before validation. */
export type Path = ReadonlyArray<string | number>;
export type Tree = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Assigns an own property even for `__proto__`, so a config key can never reach a prototype. */
export function setOwn(target: Tree, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The value at `path`, or undefined when any segment is missing (YAML data never holds undefined). */
export function getIn(root: unknown, path: Path): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (Array.isArray(node) && /^\d+$/.test(String(segment))) node = node[Number(segment)];
    else if (isPlainObject(node) && Object.hasOwn(node, String(segment))) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

export function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => String(segment) === String(path[i]));
}

export const pathText = (path: Path): string => path.join('.');
