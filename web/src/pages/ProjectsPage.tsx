import { useRef, useState } from 'react';
import { CopyBadge } from '../components/CopyBadge';
import { ListStatus } from '../components/Notice';
import { StatusBadge } from '../components/StatusBadge';
import { TimeAgo } from '../components/Time';
import { api, badgeUrl } from '../lib/api';
import { useBuildEvents } from '../lib/events';
import { shortTag } from '../lib/format';
import { useNow, usePolled, useTitle } from '../lib/hooks';
import { Link, buildPath, projectPath } from '../lib/router';
import { isActive } from '../lib/types';

export function ProjectsPage() {
  const now = useNow(5000);
  const [filter, setFilter] = useState('');
  const reload = useRef<() => void>(() => undefined);
  const live = useBuildEvents(() => reload.current());
  const projects = usePolled(
    'projects',
    (signal) => api.projects(500, signal),
    // With the event stream open, changes arrive at once; the slow poll still catches agents' builds.
    (data) => (!live && data?.some((p) => isActive(p.latest_build.status)) ? 2000 : 15_000),
  );
  reload.current = projects.reload;
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
      <ListStatus
        resource={projects}
        what="projects"
        empty={
          <>
            <h2>No projects yet</h2>
            <p>
              A project appears after its first build. <Link to="/new">Start one</Link>
            </p>
          </>
        }
      />
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
                      <Link to={projectPath(p.name)} className="strong row-link">
                        {p.alias}
                      </Link>
                      <span className="sub mono break" title={p.name}>
                        {p.name}
                      </span>
                    </td>
                    <td data-label="Latest build">
                      <img className="project-badge" src={badgeUrl('', p.name, b.branch)} alt={`build status of ${p.alias} on ${b.branch || 'its default branch'}`} height={20} />
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
                      <CopyBadge name={p.name} branch={b.branch} alias={p.alias} />
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
