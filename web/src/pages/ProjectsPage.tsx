import { useState } from 'react';
import { ErrorNotice, Empty, Loading } from '../components/Notice';
import { StatusBadge } from '../components/StatusBadge';
import { TimeAgo } from '../components/Time';
import { api } from '../lib/api';
import { shortTag } from '../lib/format';
import { useNow, usePolled, useTitle } from '../lib/hooks';
import { Link, buildPath } from '../lib/router';
import { isActive } from '../lib/types';

export function ProjectsPage() {
  const now = useNow(5000);
  const [filter, setFilter] = useState('');
  const projects = usePolled(
    'projects',
    (signal) => api.projects(500, signal),
    (data) => (data?.some((p) => isActive(p.latest_build.status)) ? 2000 : 15_000),
  );
  useTitle('Projects');
  const needle = filter.trim().toLowerCase();
  const shown = projects.data?.filter((p) => !needle || p.alias.toLowerCase().includes(needle) || p.name.toLowerCase().includes(needle));

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Projects</h1>
          <p className="muted page-sub">Every image Roger has built, with its latest build</p>
        </div>
        {projects.data && projects.data.length > 0 && (
          <label className="search">
            <span className="visually-hidden">Filter projects</span>
            <input type="search" placeholder="Filter projects" value={filter} onChange={(e) => setFilter(e.target.value)} />
          </label>
        )}
      </div>
      {projects.error && <ErrorNotice error={projects.error} onRetry={projects.reload} />}
      {projects.loading && <Loading what="projects" />}
      {projects.data?.length === 0 && (
        <Empty>
          <h2>No projects yet</h2>
          <p>
            A project appears after its first build. <Link to="/new">Start one</Link>
          </p>
        </Empty>
      )}
      {shown && shown.length === 0 && projects.data && projects.data.length > 0 && <p className="muted">No project matches “{filter}”.</p>}
      {shown && shown.length > 0 && (
        <div className="card table-card">
          <table className="table projects-table">
            <caption className="visually-hidden">Projects and their latest build</caption>
            <thead>
              <tr>
                <th scope="col">Project</th>
                <th scope="col">Latest build</th>
                <th scope="col">Branch</th>
                <th scope="col">When</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((p) => {
                const b = p.latest_build;
                return (
                  <tr key={p.name} data-project={p.name}>
                    <td data-label="Project" className="cell-project">
                      <span className="strong">{p.alias}</span>
                      <span className="sub mono break" title={p.name}>
                        {p.name}
                      </span>
                    </td>
                    <td data-label="Latest build">
                      <Link to={buildPath(b.id)} className="badge-link" aria-label={`Latest build of ${p.alias}: ${b.status}`}>
                        <StatusBadge status={b.status} />
                      </Link>
                      {b.tag && <span className="sub mono">{shortTag(b.tag)}</span>}
                    </td>
                    <td data-label="Branch">{b.branch ? <span className="chip mono">{b.branch}</span> : <span className="muted">default</span>}</td>
                    <td data-label="When">
                      <TimeAgo iso={b.created_at} now={now} />
                    </td>
                    <td className="cell-actions">
                      <Link to={`/new?${new URLSearchParams({ repo: b.repo, branch: b.branch })}`} className="button button-small">
                        Build again…
                      </Link>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
