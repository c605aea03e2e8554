import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from '../lib/api';
import { auth } from '../lib/auth';

/** Shown instead of the page when the API answers 401; the token is kept in localStorage. */
export function TokenPrompt({ refused }: { refused: boolean }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(refused ? 'The saved token was refused. Enter a valid one.' : '');
  const [checking, setChecking] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = token.trim();
    if (!value) return setError('Enter a token.');
    setChecking(true);
    setError('');
    try {
      if (await api.tryToken(value)) auth.setToken(value);
      else setError('That token was refused. Check it and try again.');
    } catch {
      setError('Roger is not reachable: check that the server is running.');
    } finally {
      setChecking(false);
    }
  };

  return (
    <div className="token-wrap">
      <form className="card token-card" onSubmit={submit} aria-labelledby="token-title" noValidate>
        <div className="token-icon" aria-hidden="true">
          <svg viewBox="0 0 24 24">
            <rect x="5" y="10.5" width="14" height="10" rx="2.5" />
            <path d="M8.5 10.5V8a3.5 3.5 0 0 1 7 0v2.5" fill="none" />
          </svg>
        </div>
        <h1 id="token-title">This Roger needs an API token</h1>
        <p className="muted">
          The server has <code>app.auth.tokens</code> set. Paste one of them; it is kept in this browser only and sent as{' '}
          <code>Authorization: Bearer</code>.
        </p>
        <label className="field">
          <span className="field-label">API token</span>
          <input
            ref={input}
            type="password"
            name="token"
            autoComplete="current-password"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-invalid={error !== ''}
            aria-describedby={error ? 'token-error' : undefined}
          />
        </label>
        {error && (
          <p id="token-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button button-primary" disabled={checking}>
          {checking ? 'Checking…' : 'Continue'}
        </button>
      </form>
    </div>
  );
}
