import { useRef, useState } from 'react';
import { CopyBadge } from '../components/CopyBadge';
import { ListStatus } from '../components/Notice';
import { StatusBadge } from '../components/StatusBadge';
import { TimeAgo } from '../components/Time';
import { api, badgeUrl } from '../lib/api';
import { useBuildEvents, type BuildChange } from '../lib/events';
import { shortTag } from '../lib/format';
import { useNow, usePolled, useTitle } from '../lib/hooks';
import { Link, buildPath, projectPath } from '../lib/router';
import { isActive, type Project } from '../lib/types';

/**
 * The list after `change`, or undefined when the list cannot tell what it means and must be reloaded.
 * A project's latest build is its newest of any status, and the list is ordered by it: the build a
 * project shows is replaced in place, and a build created for a listed project becomes its latest and
 * moves it to the top. A project not listed yet, or a change to a build the list does not show (it
 * may be a sibling a checkout added), needs the server's answer.
 */
function applyChange(list: Project[], { type, build }: BuildChange): Project[] | undefined {
  const at = list.findIndex((p) => p.name === build.project);
  const project = list[at];
  if (!project) return undefined;
  if (project.latest_build.id === build.id) return list.map((p, i) => (i === at ? { ...p, latest_build: build } : p));
  if (type === 'created') return [{ ...project, latest_build: build }, ...list.filter((_, i) => i !== at)];
  return undefined;
}

export function ProjectsPage() {
  const now = useNow(5000);
  const [filter, setFilter] = useState('');
  const onChange = useRef<(change: BuildChange | undefined) => void>(() => undefined);
  const live = useBuildEvents((change) => onChange.current(change));
  const projects = usePolled(
    'projects',
    (signal) => api.projects(500, signal),
    // With the event stream open, changes arrive at once; the slow poll still catches agents' builds.
    (data) => (!live && data?.some((p) => isActive(p.latest_build.status)) ? 2000 : 15_000),
  );
  // Applied at once from the event when the list can tell where it goes; a stream that (re)opened
  // (what it missed is unknown) or a change the list cannot place is reloaded.
  onChange.current = (change) => {
    // Decided on the list as rendered; applied to the list as it stands when React updates it.
    if (change && projects.data && applyChange(projects.data, change)) projects.update((list) => applyChange(list, change) ?? list);
    else projects.reload();
  };
  useTitle('Projects');
  const needle = filter.trim().toLowerCase();
  const shown = projects.data?.filter((p) => !needle || p.alias.toLowerCase().includes(needle) || p.name.toLowerCase().includes(needle));

  return (
    <>
      <div className="page-head" data-live={live}>
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
