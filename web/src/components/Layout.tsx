import type { ReactNode } from 'react';
import { api } from '../lib/api';
import { auth, useAuth } from '../lib/auth';
import { usePolled } from '../lib/hooks';
import { Link, useLocation } from '../lib/router';

function NavLink({ to, children, current }: { to: string; children: ReactNode; current: boolean }) {
  return (
    <Link to={to} className="nav-link" aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  const { token } = useAuth();
  const onBuilds = path === '/' || path.startsWith('/builds');
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/" className="brand" aria-label="Roger, builds">
            <svg viewBox="0 0 32 32" className="brand-mark" aria-hidden="true">
              <rect width="32" height="32" rx="8" />
              <path d="M10 23V9h7a4.5 4.5 0 0 1 0 9h-7m7 0 5 5" />
            </svg>
            <span>Roger</span>
          </Link>
          <nav aria-label="Main" className="nav">
            <NavLink to="/" current={onBuilds}>
              Builds
            </NavLink>
            <NavLink to="/projects" current={path === '/projects'}>
              Projects
            </NavLink>
            <NavLink to="/agents" current={path === '/agents'}>
              Agents
            </NavLink>
          </nav>
          <div className="topbar-actions">
            {token && (
              <button type="button" className="button button-ghost button-small" onClick={() => auth.setToken(null)} title="Forget the API token saved in this browser">
                Sign out
              </button>
            )}
            <Link to="/new" className="button button-primary" aria-current={path === '/new' ? 'page' : undefined}>
              <svg className="button-icon" viewBox="0 0 16 16" aria-hidden="true">
                <path d="M8 3v10M3 8h10" />
              </svg>
              New build
            </Link>
          </div>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
      <ServerFooter />
    </>
  );
}

/** The server's own warnings (an open server, unsigned webhooks), on every page, checked every minute. */
function ServerFooter() {
  const { data } = usePolled('server', (signal) => api.server(signal), () => 60_000);
  const warnings = data?.warnings ?? [];
  if (warnings.length === 0) return null;
  return (
    <footer className="site-footer" data-testid="server-warnings">
      {warnings.map((w) => (
        <p key={w} className="notice notice-warn" role="note">
          {w}
        </p>
      ))}
    </footer>
  );
}
