import { useRef, useState } from 'react';
import { CopyBadge } from '../components/CopyBadge';
import { DurationChart } from '../components/DurationChart';
import { ErrorNotice, Loading } from '../components/Notice';
import { api, badgeUrl } from '../lib/api';
import { useBuildEvents } from '../lib/events';
import { useNow, usePolled, useTitle } from '../lib/hooks';
import { Link } from '../lib/router';
import { isActive } from '../lib/types';

const HISTORY = 100;

/** One project: its badge (with Markdown to copy), how long its last 100 builds took, and its pass rate. */
export function ProjectPage({ name }: { name: string }) {
  const now = useNow(5000);
  const reload = useRef<() => void>(() => undefined);
  const live = useBuildEvents((change) => {
    if (!change || change.build.project === name) reload.current();
  });
  const history = usePolled(
    `project:${name}`,
    (signal) => api.projectBuilds(name, HISTORY, signal),
    (data) => (live ? 30_000 : data?.builds.some((b) => isActive(b.status)) ? 2000 : 15_000),
  );
  reload.current = history.reload;
  const data = history.data;
  useTitle(data?.alias ?? 'Project');
  const branches = [...new Set(data?.builds.map((b) => b.branch).filter(Boolean))];
  const [picked, setPicked] = useState<string | null>(null);
  const branch = picked ?? data?.builds[0]?.branch ?? '';

  return (
    <>
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link to="/projects">Projects</Link>
          </p>
          <h1>{data?.alias ?? 'Project'}</h1>
          <p className="muted page-sub mono break">{name}</p>
        </div>
      </div>
      {history.error && <ErrorNotice error={history.error} onRetry={history.reload} />}
      {history.loading && <Loading what="the project" />}
      {data && (
        <>
          <section className="card project-card" aria-labelledby="badge-title">
            <h2 id="badge-title">Status badge</h2>
            <div className="badge-row">
              <img className="project-badge" data-testid="project-badge" src={badgeUrl('', data.project, branch)} alt={`build status of ${data.alias} on ${branch || 'any branch'}`} height={20} />
              {branches.length > 1 && (
                <label className="inline-field">
                  <span>Branch</span>
                  <select value={branch} onChange={(e) => setPicked(e.target.value)}>
                    {branches.map((b) => (
                      <option key={b} value={b}>
                        {b}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              <CopyBadge name={data.project} branch={branch} alias={data.alias} text="Copy badge Markdown" />
            </div>
          </section>
          <section className="card project-card" aria-labelledby="durations-title">
            <div className="card-head">
              <h2 id="durations-title">Last {data.builds.length} builds</h2>
              <p className="pass-rate" data-testid="pass-rate">
                {data.pass_rate === null ? (
                  <span className="muted">No build passed or failed yet</span>
                ) : (
                  <>
                    <strong>{Math.round(data.pass_rate * 100)}%</strong> passed
                    <span className="muted">
                      {' '}
                      ({data.passed} of {data.passed + data.failed} that passed or failed)
                    </span>
                  </>
                )}
              </p>
            </div>
            <DurationChart builds={data.builds} now={now} />
          </section>
        </>
      )}
    </>
  );
}
