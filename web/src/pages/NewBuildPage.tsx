import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../lib/api';
import { useTitle } from '../lib/hooks';
import { Link, buildPath, navigate } from '../lib/router';

export function NewBuildPage(props: { repo: string; branch: string }) {
  const [repo, setRepo] = useState(props.repo);
  const [branch, setBranch] = useState(props.branch);
  const [nocache, setNocache] = useState(false);
  const [error, setError] = useState('');
  const [sending, setSending] = useState(false);
  const repoInput = useRef<HTMLInputElement>(null);
  useTitle('New build');
  useEffect(() => repoInput.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!repo.trim()) {
      setError('Enter the repository to build.');
      repoInput.current?.focus();
      return;
    }
    setSending(true);
    setError('');
    try {
      const res = await api.requestBuild({
        repo: repo.trim(),
        ...(branch.trim() ? { branch: branch.trim() } : {}),
        ...(nocache ? { options: { nocache: true } } : {}),
      });
      navigate(buildPath(res.id));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err instanceof Error ? err.message : String(err));
      setSending(false);
    }
  };

  return (
    <div className="narrow">
      <p className="crumbs">
        <Link to="/">← Builds</Link>
      </p>
      <h1>New build</h1>
      <p className="muted">Roger clones the repository, builds every project in its build.yml, runs the after-build commands and pushes the images.</p>
      <form className="card form" onSubmit={submit} noValidate aria-describedby={error ? 'new-build-error' : undefined}>
        <label className="field">
          <span className="field-label">Repository</span>
          <input
            ref={repoInput}
            name="repo"
            type="text"
            inputMode="url"
            required
            autoComplete="off"
            spellCheck={false}
            placeholder="https://github.com/owner/repo"
            value={repo}
            onChange={(e) => setRepo(e.target.value)}
            aria-invalid={error !== ''}
          />
          <span className="field-help">A clone URL: https, ssh, or a scheme the server allows in builds.allowedSchemes.</span>
        </label>
        <label className="field">
          <span className="field-label">
            Branch or tag <span className="muted">(optional)</span>
          </span>
          <input name="branch" type="text" autoComplete="off" spellCheck={false} placeholder="the repository's default branch" value={branch} onChange={(e) => setBranch(e.target.value)} />
        </label>
        <label className="check">
          <input name="nocache" type="checkbox" checked={nocache} onChange={(e) => setNocache(e.target.checked)} />
          <span>
            <span className="field-label">No cache</span>
            <span className="field-help">Build every layer again instead of reusing cached ones.</span>
          </span>
        </label>
        {error && (
          <p id="new-build-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={sending}>
            {sending ? 'Scheduling…' : 'Start build'}
          </button>
          <Link to="/" className="button button-ghost">
            Cancel
          </Link>
        </div>
      </form>
    </div>
  );
}
