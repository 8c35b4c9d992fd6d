/**
 * The `prefix` option every adapter takes: where the payment routes live, e.g. "/api/v1".
 * "", "/" and "/api/v1/" are accepted; the result has a leading slash and no trailing one ("" for the root).
 */
export function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** "/api/v1/payments" under "/api/v1" → "/payments"; undefined when the path is outside the mount point. */
export function relativePath(path: string, prefix: string): string | undefined {
  if (prefix === '') return path;
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;
}
