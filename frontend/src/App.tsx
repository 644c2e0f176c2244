import { BrowserRouter, Link, Navigate, Route, Routes } from 'react-router-dom';
import { AuthProvider, RequireAuth } from './auth';
import { Layout } from './components/Layout';
import { CampaignsPage } from './pages/CampaignsPage';
import { LoginPage } from './pages/LoginPage';
import { RunPage } from './pages/RunPage';
import { RunsPage } from './pages/RunsPage';

function NotFoundPage() {
  return (
    <div className="page">
      <div className="empty" data-testid="not-found">
        Page not found. <Link to="/">Go to campaigns</Link>
      </div>
    </div>
  );
}

export function AppRoutes() {
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
        <Route path="runs" element={<RunsPage />} />
        <Route path="runs/:id" element={<RunPage />} />
        <Route path="index.html" element={<Navigate to="/" replace />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <AuthProvider>
        <AppRoutes />
      </AuthProvider>
    </BrowserRouter>
  );
}
