import { useEffect, useRef } from 'react';
import { Layout } from './components/Layout';
import { TokenPrompt } from './components/TokenPrompt';
import { useAuth } from './lib/auth';
import { Link, useLocation } from './lib/router';
import { AgentsPage } from './pages/AgentsPage';
import { BuildPage } from './pages/BuildPage';
import { BuildsPage } from './pages/BuildsPage';
import { NewBuildPage } from './pages/NewBuildPage';
import { ProjectPage } from './pages/ProjectPage';
import { ProjectsPage } from './pages/ProjectsPage';
import { WallPage } from './pages/WallPage';

/** A path segment decoded, or undefined when it is not valid percent-encoding (`%zz`). */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function Page() {
  const { path, query } = useLocation();
  if (path === '/' || path === '/builds') {
    const status = query.get('status') ?? '';
    return <BuildsPage key={status} status={status} />;
  }
  const build = /^\/builds\/([^/]+)\/?$/.exec(path);
  if (build?.[1]) {
    const id = decodeURIComponent(build[1]);
    return <BuildPage key={id} id={id} />;
  }
  if (path === '/projects') return <ProjectsPage />;
  const project = /^\/projects\/([^/]+)\/?$/.exec(path);
  const name = project?.[1] && decoded(project[1]);
  if (name) return <ProjectPage key={name} name={name} />;
  if (path === '/agents') return <AgentsPage />;
  if (path === '/new') return <NewBuildPage repo={query.get('repo') ?? ''} branch={query.get('branch') ?? ''} />;
  return (
    <div className="empty">
      <h1>Page not found</h1>
      <p>
        <Link to="/">Back to the builds</Link>
      </p>
    </div>
  );
}

/** After a client-side navigation, focus moves to the new page (as a page load would), unless the page focused a field itself. */
function useFocusOnNavigate(path: string): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const main = document.getElementById('main');
    if (main && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
  }, [path]);
}

export function App() {
  const { required, refused } = useAuth();
  const { path } = useLocation();
  useFocusOnNavigate(path);
  // The wall is for a screen across the room: no navigation, nothing but the tiles.
  if (path === '/wall' && !required) return <WallPage />;
  return <Layout>{required ? <TokenPrompt refused={refused} /> : <Page />}</Layout>;
}
