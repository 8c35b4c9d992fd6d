/**
 * The route table: the one place that says which paths and methods exist (see docs/http-api.md).
 * Paths are relative to the mount point; each works with and without a trailing slash.
 */

export type RouteName =
  | 'create'
  | 'list'
  | 'status'
  | 'events'
  | 'get'
  | 'retry'
  | 'cancel'
  | 'callback'
  | 'audit'
  | 'health_live'
  | 'health_ready';

export interface RouteDefinition {
  name: RouteName;
  method: 'GET' | 'POST';
  /** Segments; `:id` captures one path segment. */
  pattern: readonly string[];
  /** False for the ClickPesa webhook (the service verifies it) and the health probes (opt-in, no ids). */
  authenticated: boolean;
}

export const ROUTES: readonly RouteDefinition[] = Object.freeze([
  { name: 'create', method: 'POST', pattern: ['payments'], authenticated: true },
  { name: 'list', method: 'GET', pattern: ['payments'], authenticated: true },
  { name: 'status', method: 'GET', pattern: ['payments', ':id', 'status'], authenticated: true },
  { name: 'events', method: 'GET', pattern: ['payments', ':id', 'events'], authenticated: true },
  { name: 'get', method: 'GET', pattern: ['payments', ':id'], authenticated: true },
  { name: 'audit', method: 'GET', pattern: ['payments', ':id', 'audit'], authenticated: true },
  { name: 'retry', method: 'POST', pattern: ['payments', ':id', 'retry'], authenticated: true },
  { name: 'cancel', method: 'POST', pattern: ['payments', ':id', 'cancel'], authenticated: true },
  { name: 'callback', method: 'POST', pattern: ['callback'], authenticated: false },
  { name: 'health_live', method: 'GET', pattern: ['health', 'live'], authenticated: false },
  { name: 'health_ready', method: 'GET', pattern: ['health', 'ready'], authenticated: false },
]);

export type RouteMatch =
  | { kind: 'matched'; route: RouteDefinition; params: Record<string, string> }
  /** A known path with a method it does not accept; `allow` lists the ones it does. */
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'no_route' };

/** Finds the route for a method and a path (relative to the mount point) already split by {@link splitPath}. */
export function matchRoute(method: string, segments: readonly string[] | null): RouteMatch {
  if (segments === null) return { kind: 'no_route' };
  let allow: string[] | undefined;
  const upperMethod = method.toUpperCase();
  for (const route of ROUTES) {
    if (!fits(route.pattern, segments)) continue;
    if (route.method === upperMethod) return { kind: 'matched', route, params: paramsOf(route, segments) };
    allow ??= [];
    if (!allow.includes(route.method)) allow.push(route.method);
  }
  return allow ? { kind: 'method_not_allowed', allow } : { kind: 'no_route' };
}

/** True for the health probes' paths, which exist only when the kit's `health` option is on. */
export function isHealthPath(segments: readonly string[] | null): boolean {
  return segments !== null && segments.length === 2 && segments[0] === 'health';
}

/** True when the (split) path belongs to the route table, whatever the method. */
export function isKnownPath(segments: readonly string[] | null): boolean {
  return segments !== null && ROUTES.some((route) => fits(route.pattern, segments));
}

/**
 * "/payments/abc/status/" → ["payments", "abc", "status"]. One trailing slash is allowed; empty segments
 * elsewhere ("//payments", "/payments//x") and undecodable escapes match nothing (null). Runs on every
 * request, so segments without a "%" skip decoding.
 */
export function splitPath(path: string): readonly string[] | null {
  const query = path.indexOf('?');
  let end = query === -1 ? path.length : query;
  const start = path.charCodeAt(0) === SLASH ? 1 : 0;
  // one trailing slash, unless it is the whole path ("/" has no segments, hence no route)
  if (end - start > 0 && path.charCodeAt(end - 1) === SLASH) end--;
  const segments = path.slice(start, end).split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment === '') return null;
    if (segment.includes('%')) {
      try {
        segments[i] = decodeURIComponent(segment);
      } catch {
        return null;
      }
    }
  }
  return segments;
}

const SLASH = 0x2f;
const COLON = 0x3a;

function fits(pattern: readonly string[], segments: readonly string[]): boolean {
  if (pattern.length !== segments.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    if (expected.charCodeAt(0) !== COLON && expected !== segments[i]) return false;
  }
  return true;
}

function paramsOf(route: RouteDefinition, segments: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  const names = PARAM_NAMES.get(route)!;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (name) params[name] = segments[i]!;
  }
  return params;
}

/** Each route's parameter names by segment (":id" → "id", literals → null), worked out once. */
const PARAM_NAMES = new Map<RouteDefinition, readonly (string | null)[]>(
  ROUTES.map((route) => [
    route,
    route.pattern.map((segment) => (segment.charCodeAt(0) === COLON ? segment.slice(1) : null)),
  ]),
);
