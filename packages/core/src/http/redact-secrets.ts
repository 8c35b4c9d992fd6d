/**
 * Defence in depth for SEC-11: replaces every occurrence of a configured secret in the strings of a
 * JSON-serialisable value. Responses are built from our own messages and stored data, so this should never
 * find anything; if a provider or store ever echoes a key back, it still does not reach the client.
 *
 * Runs on every response, so it first only looks: a value with no secret in it is returned as is (the same
 * object), and only one that has one is copied with the secrets replaced.
 */
export function createSecretRedactor(secrets: readonly string[]): (value: unknown) => unknown {
  if (secrets.length === 0) return (value) => value;
  const list = [...secrets];
  // strings shorter than every secret cannot hold one: most of a payment's fields are skipped at once
  const shortest = Math.min(...list.map((secret) => secret.length));
  return (value) => (containsSecret(value, list, shortest) ? redactedCopy(value, list) : value);
}

function containsSecret(value: unknown, secrets: readonly string[], shortest: number): boolean {
  if (typeof value === 'string') return hasSecret(value, secrets, shortest);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some((item) => containsSecret(item, secrets, shortest));
  // inherited keys are looked at too: a false alarm only costs the copy, which takes own keys only
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    // recursing only into objects: a call per field would be most of the cost
    if (typeof item === 'string') {
      if (hasSecret(item, secrets, shortest)) return true;
    } else if (typeof item === 'object' && item !== null && containsSecret(item, secrets, shortest)) {
      return true;
    }
  }
  return false;
}

function hasSecret(text: string, secrets: readonly string[], shortest: number): boolean {
  if (text.length < shortest) return false;
  for (const secret of secrets) if (text.includes(secret)) return true;
  return false;
}

function redactedCopy(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') {
    let result = value;
    for (const secret of secrets)
      if (result.includes(secret)) result = result.split(secret).join('[redacted]');
    return result;
  }
  if (Array.isArray(value)) return value.map((item) => redactedCopy(item, secrets));
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = redactedCopy(item, secrets);
    return copy;
  }
  return value;
}
