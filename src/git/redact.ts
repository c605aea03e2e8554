/**
 * `https://user:secret@host/x` -> `https://user:***@host/x`. URLs end up in logs, errors and the
 * database; a password typed into one must not.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/, '$1:***@');
}

/** The password in a URL's user info, if any, so the log masks it wherever git echoes it. */
export function urlPassword(url: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:]*:([^/@]+)@/.exec(url);
  return m?.[1];
}

/** Replaces every occurrence of each secret with `***`. */
export function mask(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s !== '') out = out.split(s).join('***');
  return out;
}
