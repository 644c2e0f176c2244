import { useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { createBrowserRouter, Link, Navigate, Route, RouterProvider, Routes } from 'react-router-dom';
import { AuthProvider, RequireAuth, useAuth } from './auth';
import { Layout } from './components/Layout';
import { EditorPage } from './editor/EditorPage';
import { AccountPage } from './pages/AccountPage';
import { AuditPage } from './pages/AuditPage';
import { CampaignsPage } from './pages/CampaignsPage';
import { DashboardPage } from './pages/dashboard/DashboardPage';
import { LibraryPage } from './pages/LibraryPage';
import { LoginPage } from './pages/LoginPage';
import { RunPage } from './pages/RunPage';
import { RunsPage } from './pages/RunsPage';
import { TeamsPage } from './pages/TeamsPage';
import { TemplatePage } from './pages/TemplatePage';

function NotFoundPage() {
  return (
    <div className="page">
      <div className="empty" data-testid="not-found">
        Page not found. <Link to="/">Go to campaigns</Link>
      </div>
    </div>
  );
}

/**
 * Cached answers belong to who was signed in: signing out (or in as someone else) empties the cache. Signing
 * in from nobody does not: the pages' first queries are already under way then.
 */
function useCacheFollowsUser() {
  const client = useQueryClient();
  const userId = useAuth().user?.id ?? null;
  const previous = useRef(userId);
  useEffect(() => {
    if (previous.current !== null && previous.current !== userId) client.clear();
    previous.current = userId;
  }, [client, userId]);
}

export function AppRoutes() {
  useCacheFollowsUser();
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route index element={<CampaignsPage />} />
        <Route path="campaigns" element={<CampaignsPage />} />
        <Route path="campaigns/new" element={<EditorPage />} />
        <Route path="campaigns/:id/edit" element={<EditorPage />} />
        <Route path="dashboard" element={<DashboardPage />} />
        <Route path="runs" element={<RunsPage />} />
        <Route path="runs/:id" element={<RunPage />} />
        <Route path="library" element={<LibraryPage />} />
        <Route path="library/:id" element={<TemplatePage />} />
        <Route path="teams" element={<TeamsPage />} />
        <Route path="audit" element={<AuditPage />} />
        <Route path="account" element={<AccountPage />} />
        <Route path="index.html" element={<Navigate to="/" replace />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

// A data router, so the editor can hold navigation while it has unsaved changes.
function makeRouter() {
  return createBrowserRouter([
    {
      path: '*',
      element: (
        <AuthProvider>
          <AppRoutes />
        </AuthProvider>
      ),
    },
  ]);
}

export function App() {
  const [router] = useState(makeRouter);
  return <RouterProvider router={router} />;
}
