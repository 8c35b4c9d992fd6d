/**
 * JSON parsing that is safe against prototype poisoning and deep-nesting abuse.
 *
 * - Keys `__proto__` and `constructor` holding a `prototype` are rejected (not stripped): a payload that
 *   carries them is hostile or broken, and answering 400 tells the sender so.
 * - Nesting deeper than `maxDepth` is rejected before `JSON.parse` runs.
 * - Duplicate keys: like `JSON.parse`, the last occurrence wins (documented behaviour, not an error).
 */

export const DEFAULT_MAX_JSON_DEPTH = 20;

export type SafeJsonProblem = 'malformed' | 'forbidden_key' | 'too_deep';

export class UnsafeJsonError extends Error {
  readonly problem: SafeJsonProblem;
  constructor(problem: SafeJsonProblem, message: string) {
    super(message);
    this.name = 'UnsafeJsonError';
    this.problem = problem;
  }
}

/** Parses JSON text, throwing {@link UnsafeJsonError} for malformed, poisoned or too deeply nested input. */
export function parseJsonSafely(text: string, maxDepth = DEFAULT_MAX_JSON_DEPTH): unknown {
  if (nestingDepth(text) > maxDepth) {
    throw new UnsafeJsonError('too_deep', `JSON nesting deeper than ${maxDepth} levels`);
  }
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let forbidden: string | null = null;
  let value: unknown;
  try {
    value = JSON.parse(source, function reviver(this: unknown, key: string, child: unknown) {
      if (forbidden === null && isForbiddenEntry(key, child)) forbidden = key;
      return child;
    });
  } catch {
    throw new UnsafeJsonError('malformed', 'The request body is not valid JSON');
  }
  if (forbidden !== null) throw forbiddenKeyError(forbidden);
  return value;
}

/**
 * Checks a value another parser produced (a host framework's body parser may keep `__proto__` as an own key).
 * Throws {@link UnsafeJsonError} like {@link parseJsonSafely}.
 */
export function assertSafeJsonValue(value: unknown, maxDepth = DEFAULT_MAX_JSON_DEPTH): void {
  // iterative walk: a hostile object can be deeper than the call stack
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (item.value === null || typeof item.value !== 'object') continue;
    const depth = item.depth + 1;
    if (depth > maxDepth)
      throw new UnsafeJsonError('too_deep', `JSON nesting deeper than ${maxDepth} levels`);
    for (const key of Object.keys(item.value)) {
      const child = (item.value as Record<string, unknown>)[key];
      if (isForbiddenEntry(key, child)) throw forbiddenKeyError(key);
      stack.push({ value: child, depth });
    }
  }
}

function isForbiddenEntry(key: string, value: unknown): boolean {
  if (key === '__proto__') return true;
  return (
    key === 'constructor' && value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype')
  );
}

function forbiddenKeyError(key: string): UnsafeJsonError {
  const name = key === '__proto__' ? '__proto__' : 'constructor.prototype';
  return new UnsafeJsonError('forbidden_key', `The JSON body contains the forbidden key "${name}"`);
}

/** Maximum bracket nesting of JSON text, ignoring brackets inside strings. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return max;
}
