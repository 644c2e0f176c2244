import { useState } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth';
import { ThemeToggle } from './ThemeToggle';

/** The pages the main menu links to after Campaigns (which is also active on a campaign's editor), in order. */
const PAGES = [
  ['dashboard', 'Dashboard'],
  ['runs', 'Runs'],
  ['library', 'Library'],
  ['teams', 'Teams'],
  ['audit', 'Audit'],
] as const;

export function Layout() {
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [busy, setBusy] = useState(false);

  const onLogout = async () => {
    setBusy(true);
    try {
      await logout();
    } catch {
      // The session is dropped locally either way.
    } finally {
      setBusy(false);
      navigate('/login', { replace: true });
    }
  };

  const campaignsActive = location.pathname === '/' || location.pathname.startsWith('/campaigns');

  return (
    <div className="app">
      <header className="app-header">
        <Link to="/" className="brand" data-testid="app-name">
          <span className="brand-mark" aria-hidden="true" />
          AsyncFlow Studio
        </Link>
        <nav className="main-nav" aria-label="Main">
          <NavLink to="/campaigns" className={() => (campaignsActive ? 'active' : '')} data-testid="nav-campaigns">
            Campaigns
          </NavLink>
          {PAGES.map(([path, label]) => (
            <NavLink key={path} to={`/${path}`} data-testid={`nav-${path}`}>
              {label}
            </NavLink>
          ))}
        </nav>
        <div className="header-user">
          <ThemeToggle />
          <Link to="/account" className="username" data-testid="current-user" title="Password and API tokens">
            {user?.username}
          </Link>
          <button type="button" className="btn btn-small" onClick={onLogout} disabled={busy} data-testid="logout">
            Logout
          </button>
        </div>
      </header>
      <main className="app-main">
        <Outlet />
      </main>
    </div>
  );
}
