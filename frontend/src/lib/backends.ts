// Presentation helpers for GET /api/backends/. No React.

/** One line for a backend's resources: "resource=local.localhost · cores=4 · runtime=30". */
export function resourcesSummary(resources: Record<string, unknown> | null | undefined): string {
  if (!resources) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(resources)) {
    if (value == null || value === '' || typeof value === 'boolean') continue;
    parts.push(`${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
  return parts.join(' · ');
}
