import { useSyncExternalStore } from 'react';

const KEY = 'roger.token';

interface AuthState {
  token: string | null;
  /** The server answered 401: the UI asks for a token instead of showing pages. */
  required: boolean;
  /** Set when the token that was sent got refused (as opposed to none being sent). */
  refused: boolean;
  /** Bumped when the token changes, so pages load again with it. */
  generation: number;
}

function readStoredToken(): string | null {
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null; // storage disabled (privacy mode): the token lives for this page only
  }
}

let state: AuthState = { token: readStoredToken(), required: false, refused: false, generation: 0 };
const listeners = new Set<() => void>();

function update(next: Partial<AuthState>): void {
  state = { ...state, ...next };
  for (const listener of listeners) listener();
}

export const auth = {
  token: (): string | null => state.token,
  /** Called by the API client on a 401. */
  unauthorized(sentToken: string | null): void {
    if (!state.required) update({ required: true, refused: sentToken !== null });
  },
  setToken(token: string | null): void {
    try {
      if (token === null) window.localStorage.removeItem(KEY);
      else window.localStorage.setItem(KEY, token);
    } catch {
      // storage unavailable: keep it in memory
    }
    update({ token, required: false, refused: false, generation: state.generation + 1 });
  },
};

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useAuth(): AuthState {
  return useSyncExternalStore(subscribe, () => state);
}
