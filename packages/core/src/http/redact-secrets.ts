/**
 * Defence in depth for SEC-11: replaces every occurrence of a configured secret in the strings of a
 * JSON-serialisable value. Responses are built from our own messages and stored data, so this should never
 * find anything; if a provider or store ever echoes a key back, it still does not reach the client.
 */
export function redactSecrets(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') {
    let result = value;
    for (const secret of secrets)
      if (result.includes(secret)) result = result.split(secret).join('[redacted]');
    return result;
  }
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, secrets));
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = redactSecrets(item, secrets);
    return copy;
  }
  return value;
}
