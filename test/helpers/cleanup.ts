/**
 * For a test database's drop in cleanup: an autovacuum worker still on it refuses FORCE to a role that
 * is not a superuser. A database left behind only takes disk space, so it is reported, not failed on.
 */
export function leftBehind(name: string): (err: unknown) => void {
  return (err) => console.warn(`test database ${name} was left behind: ${String(err)}`);
}
