/**
 * The route table: the one place that says which paths and methods exist (product.md §2).
 * Paths are relative to the mount point; each works with and without a trailing slash.
 */

export type RouteName = 'create' | 'status' | 'get' | 'retry' | 'cancel' | 'callback';

export interface RouteDefinition {
  name: RouteName;
  method: 'GET' | 'POST';
  /** Segments; `:id` captures one path segment. */
  pattern: readonly string[];
  /** False only for the ClickPesa webhook, which the service verifies instead. */
  authenticated: boolean;
}

export const ROUTES: readonly RouteDefinition[] = Object.freeze([
  { name: 'create', method: 'POST', pattern: ['payments'], authenticated: true },
  { name: 'status', method: 'GET', pattern: ['payments', ':id', 'status'], authenticated: true },
  { name: 'get', method: 'GET', pattern: ['payments', ':id'], authenticated: true },
  { name: 'retry', method: 'POST', pattern: ['payments', ':id', 'retry'], authenticated: true },
  { name: 'cancel', method: 'POST', pattern: ['payments', ':id', 'cancel'], authenticated: true },
  { name: 'callback', method: 'POST', pattern: ['callback'], authenticated: false },
]);

export type RouteMatch =
  | { kind: 'matched'; route: RouteDefinition; params: Record<string, string> }
  /** A known path with a method it does not accept; `allow` lists the ones it does. */
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'no_route' };

/** Finds the route for a method and a path relative to the mount point. */
export function matchRoute(method: string, path: string): RouteMatch {
  const segments = splitPath(path);
  if (segments === null) return { kind: 'no_route' };
  const allow: string[] = [];
  const upperMethod = method.toUpperCase();
  for (const route of ROUTES) {
    const params = matchPattern(route.pattern, segments);
    if (params === null) continue;
    if (route.method === upperMethod) return { kind: 'matched', route, params };
    if (!allow.includes(route.method)) allow.push(route.method);
  }
  return allow.length > 0 ? { kind: 'method_not_allowed', allow } : { kind: 'no_route' };
}

/** True when the path belongs to the route table, whatever the method. */
export function isKnownPath(path: string): boolean {
  const segments = splitPath(path);
  return segments !== null && ROUTES.some((route) => matchPattern(route.pattern, segments) !== null);
}

/**
 * "/payments/abc/status/" → ["payments", "abc", "status"]. One trailing slash is allowed; empty segments
 * elsewhere ("//payments", "/payments//x") and undecodable escapes match nothing.
 */
function splitPath(path: string): string[] | null {
  let clean = path.split('?', 1)[0] ?? '';
  if (!clean.startsWith('/')) clean = `/${clean}`;
  if (clean.length > 1 && clean.endsWith('/')) clean = clean.slice(0, -1);
  const raw = clean.slice(1).split('/');
  const segments: string[] = [];
  for (const segment of raw) {
    if (segment === '') return null;
    try {
      segments.push(decodeURIComponent(segment));
    } catch {
      return null;
    }
  }
  return segments;
}

function matchPattern(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = segments[i]!;
    if (expected.startsWith(':')) params[expected.slice(1)] = actual;
    else if (expected !== actual) return null;
  }
  return params;
}
