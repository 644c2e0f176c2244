import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { ApiError, api, errorText, setUnauthorizedHandler } from './lib/api';
import { executableRight, type Place } from './lib/capabilities';
import type { ExecutableRight, User } from './lib/types';

type AuthStatus = 'loading' | 'authenticated' | 'anonymous' | 'error';

interface AuthContextValue {
  status: AuthStatus;
  user: User | null;
  error: string | null;
  /** Ask the server who we are (after a 401/403 elsewhere, or on retry). */
  refresh: () => Promise<void>;
  setUser: (user: User | null) => void;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<AuthStatus>('loading');
  const [user, setUserState] = useState<User | null>(null);
  const [error, setError] = useState<string | null>(null);

  const setUser = useCallback((u: User | null) => {
    setUserState(u);
    setError(null);
    setStatus(u ? 'authenticated' : 'anonymous');
  }, []);

  const refresh = useCallback(async () => {
    try {
      const { user: me } = await api.session();
      setUser(me);
    } catch (err) {
      if (err instanceof ApiError && err.isAuthError) {
        setUser(null);
      } else {
        setError(errorText(err));
        setStatus((s) => (s === 'loading' ? 'error' : s));
      }
    }
  }, [setUser]);

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setUser(null);
    }
  }, [setUser]);

  useEffect(() => {
    // On the login page nobody needs to know yet.
    if (window.location.pathname.replace(/\/+$/, '') === '/login') {
      setStatus((s) => (s === 'loading' ? 'anonymous' : s));
      return;
    }
    void refresh();
  }, [refresh]);

  // Any API call answering 401/403 means the session may be gone: re-check.
  useEffect(() => {
    setUnauthorizedHandler(() => {
      void refresh();
    });
    return () => setUnauthorizedHandler(null);
  }, [refresh]);

  const value = useMemo(
    () => ({ status, user, error, refresh, setUser, logout }),
    [status, user, error, refresh, setUser, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth must be used inside <AuthProvider>');
  return ctx;
}

/**
 * May the signed-in user use executable steps in this place (a team id, or null: outside any team)? A campaign
 * that the server already answered for (`executables`) is taken at its word.
 */
export function useExecutableRight(
  place: Place,
  campaign?: { team?: Place; executables?: ExecutableRight | null } | null,
): ExecutableRight {
  // Outside an AuthProvider (a component rendered alone) nothing is known, and the server decides.
  const auth = useContext(AuthContext);
  const user = auth?.user ?? null;
  return useMemo(
    () => (auth ? executableRight(user, place, campaign ?? undefined) : { allowed: true, reason: null }),
    [auth, user, place, campaign],
  );
}

/** Renders children for a logged-in user; otherwise redirects to /login. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { status, error, refresh } = useAuth();
  const location = useLocation();
  if (status === 'loading') {
    return <div className="page-loading">Loading…</div>;
  }
  if (status === 'error') {
    return (
      <div className="page-error" role="alert">
        <p>Could not reach the server: {error}</p>
        <button type="button" className="btn" onClick={() => void refresh()}>
          Retry
        </button>
      </div>
    );
  }
  if (status === 'anonymous') {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  return <>{children}</>;
}
