import { useState, type ReactNode } from 'react';
import { LogView } from '../components/LogView';
import { Notifications } from '../components/Notifications';
import { ErrorNotice, Loading } from '../components/Notice';
import { StatusBadge } from '../components/StatusBadge';
import { BuildDuration, TimeAgo } from '../components/Time';
import { api, ApiError } from '../lib/api';
import { shortSha } from '../lib/format';
import { useNow, usePolled, useTitle } from '../lib/hooks';
import { Link, buildPath, navigate } from '../lib/router';
import { isActive, type Build } from '../lib/types';

const ACTIVE_MS = 2000;

function Field({ label, children, wide = false }: { label: string; children: ReactNode; wide?: boolean }) {
  return (
    <div className={wide ? 'field-row field-wide' : 'field-row'}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

const none = <span className="muted">—</span>;

const NOTICE: Partial<Record<Build['status'], string>> = { canceled: 'Canceled', skipped: 'Skipped', failed: 'Error' };

function optionsText(options: Record<string, unknown>): string {
  const parts = Object.entries(options)
    .filter(([key]) => key !== 'webhook')
    .map(([key, value]) => (value === true ? key : `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`));
  return parts.join(', ');
}

/** A link to the repository when it is a web address (https), else the URL as text. */
function RepoLink({ repo }: { repo: string }) {
  const web = /^https?:\/\//.test(repo) ? repo.replace(/\.git$/, '') : null;
  return web ? (
    <a href={web} target="_blank" rel="noreferrer noopener" className="mono break">
      {repo}
    </a>
  ) : (
    <span className="mono break">{repo}</span>
  );
}

function Siblings({ build }: { build: Build }) {
  const group = usePolled(
    `group:${build.group_id}`,
    (signal) => api.builds({ limit: 500, group: build.group_id }, signal),
    (data) => (data?.some((b) => isActive(b.status)) ? ACTIVE_MS : null),
  );
  const others = group.data?.filter((b) => b.id !== build.id) ?? [];
  if (others.length === 0) return null;
  return (
    <section className="card siblings" aria-labelledby="siblings-title">
      <h2 id="siblings-title" className="card-title">
        Same request <span className="muted">· {others.length + 1} images, one log</span>
      </h2>
      <ul className="sibling-list">
        {group.data?.map((b) => (
          <li key={b.id}>
            <StatusBadge status={b.status} />
            {b.id === build.id ? (
              <span className="sibling-current" aria-current="page">
                {b.name} <span className="muted">(this build)</span>
              </span>
            ) : (
              <Link to={buildPath(b.id)}>{b.name}</Link>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Actions({ build, onChanged }: { build: Build; onChanged(): void }) {
  const [busy, setBusy] = useState<'' | 'cancel' | 'rebuild'>('');
  const [error, setError] = useState('');
  const run = async (what: 'cancel' | 'rebuild') => {
    setBusy(what);
    setError('');
    try {
      if (what === 'cancel') {
        await api.cancel(build.id);
        onChanged();
      } else {
        const { id } = await api.rebuild(build.id);
        navigate(buildPath(id));
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err instanceof Error ? err.message : String(err));
      onChanged();
    } finally {
      setBusy('');
    }
  };
  return (
    <div className="actions">
      {isActive(build.status) && (
        <button type="button" className="button button-danger" disabled={busy !== ''} onClick={() => void run('cancel')}>
          {busy === 'cancel' ? 'Canceling…' : 'Cancel build'}
        </button>
      )}
      <button type="button" className="button" disabled={busy !== ''} onClick={() => void run('rebuild')}>
        {busy === 'rebuild' ? 'Scheduling…' : 'Rebuild'}
      </button>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function BuildPage({ id }: { id: string }) {
  const now = useNow(1000);
  const res = usePolled(`build:${id}`, (signal) => api.build(id, signal), (b) => (!b || isActive(b.status) ? ACTIVE_MS : null));
  const build = res.data;
  useTitle(build ? `${build.status} · ${build.name}` : 'Build');

  if (!build) {
    if (res.error) {
      return (
        <>
          <p className="crumbs">
            <Link to="/">← Builds</Link>
          </p>
          {res.error instanceof ApiError && res.error.status === 404 ? (
            <div className="empty">
              <h1>Build not found</h1>
              <p className="muted mono">{id}</p>
            </div>
          ) : (
            <ErrorNotice error={res.error} onRetry={res.reload} />
          )}
        </>
      );
    }
    return <Loading what="the build" />;
  }

  const options = optionsText(build.options);
  return (
    <>
      <p className="crumbs">
        <Link to="/">← Builds</Link>
      </p>
      <div className="build-head">
        <div className="build-title">
          <StatusBadge status={build.status} large />
          <div>
            <h1>{build.alias}</h1>
            <p className="muted build-meta">
              {build.branch ? <span className="chip mono">{build.branch}</span> : <span>default branch</span>}
              {build.commit && (
                <span className="mono" title={build.commit}>
                  {shortSha(build.commit)}
                </span>
              )}
              {build.author && <span>{build.author.replace(/\s*<[^>]*>$/, '')}</span>}
              <span>
                created <TimeAgo iso={build.created_at} now={now} />
              </span>
              <span>
                <BuildDuration build={build} now={now} />
              </span>
            </p>
          </div>
        </div>
        <Actions build={build} onChanged={res.reload} />
      </div>
      <p className="visually-hidden" role="status">
        Build {build.status}
      </p>
      {res.error && <ErrorNotice error={res.error} onRetry={res.reload} />}
      {build.status === 'queued' && build.waiting && (
        <div className="notice notice-warn" role="status" data-testid="build-waiting">
          <strong>Waiting:</strong> <span className="break">{build.waiting}</span>
        </div>
      )}
      {build.error && (
        <div className={`notice ${build.status === 'failed' ? 'notice-error' : 'notice-warn'}`} role="status">
          <strong>{NOTICE[build.status] ?? 'Error'}:</strong> <span className="break">{build.error}</span>
        </div>
      )}
      <div className="build-grid">
        <div className="build-main">
          <Siblings build={build} />
          <LogView buildId={build.id} active={isActive(build.status)} onEnded={res.reload} onOutput={build.status === 'queued' ? res.reload : undefined} />
        </div>
        <aside className="build-side" aria-label="Build details">
          <section className="card" aria-labelledby="details-title">
            <h2 id="details-title" className="card-title">
              Details
            </h2>
            <dl className="fields">
              <Field label="Status">
                <span data-testid="build-status">{build.status}</span>
              </Field>
              <Field label="Branch">{build.branch ? <span className="mono">{build.branch}</span> : 'default'}</Field>
              <Field label="Trigger">
                {build.trigger}
                {build.caused_by && (
                  <>
                    {' by '}
                    <Link to={buildPath(build.caused_by)} data-testid="caused-by">
                      build {build.caused_by}
                    </Link>
                  </>
                )}
              </Field>
              <Field label="Agent">{build.agent ? <span className="mono break" data-testid="build-agent">{build.agent}</span> : none}</Field>
              <Field label="Options">{options ? <span className="mono">{options}</span> : none}</Field>
              <Field label="Project" wide>
                <span className="mono break">{build.name}</span>
              </Field>
              <Field label="Repository" wide>
                <RepoLink repo={build.repo} />
              </Field>
              <Field label="Commit" wide>
                {build.commit ? <span className="mono break">{build.commit}</span> : none}
              </Field>
              <Field label="Author" wide>
                {build.author ? <span className="break">{build.author}</span> : none}
              </Field>
              <Field label="Image" wide>
                {build.tag ? <span className="mono break">{build.tag}</span> : none}
              </Field>
              {build.tags && build.tags.length > 1 && (
                <Field label="Also tagged" wide>
                  {build.tags.slice(1).map((t) => (
                    <div key={t} className="mono break">
                      {t}
                    </div>
                  ))}
                </Field>
              )}
              <Field label="Digest" wide>
                {build.digest ? <span className="mono break">{build.digest}</span> : none}
              </Field>
              <Field label="Created">
                <TimeAgo iso={build.created_at} now={now} />
              </Field>
              <Field label="Started">
                <TimeAgo iso={build.started_at} now={now} />
              </Field>
              <Field label="Finished">
                <TimeAgo iso={build.finished_at} now={now} />
              </Field>
              <Field label="Duration">
                <BuildDuration build={build} now={now} />
              </Field>
              <Field label="Updated">
                <TimeAgo iso={build.updated_at} now={now} />
              </Field>
              <Field label="Build id">
                <span className="mono break">{build.id}</span>
              </Field>
              {(build.attempt ?? 1) > 1 && (
                <Field label="Attempt">
                  <span title="Taken back from a process that stopped responding and run again">{build.attempt}</span>
                </Field>
              )}
              {build.lease_owner && (
                <Field label="Run by">
                  <span className="mono break">{build.lease_owner}</span>
                </Field>
              )}
              {build.group_id !== build.id && (
                <Field label="Request" wide>
                  <Link to={buildPath(build.group_id)} className="mono break">
                    {build.group_id}
                  </Link>
                </Field>
              )}
            </dl>
          </section>
          <Notifications build={build} />
        </aside>
      </div>
    </>
  );
}
