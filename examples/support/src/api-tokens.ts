import { createHash } from 'node:crypto';
import { StartupError } from './startup-error.js';

/** Who is calling, as the host's own auth middleware sees it (`req.user`, `request.user`, `ctx.state.user`). */
export interface ShopUser {
  id: string;
}

/** The demo bearer tokens of `API_TOKENS` (`user:token,user:token`). */
export interface ApiTokens {
  readonly userIds: readonly string[];
  /** The first user's token: the sandbox checkout page signs in with it (a real shop uses its own session). */
  readonly demoToken: string;
  /** The user an `Authorization: Bearer <token>` header belongs to, or null. */
  userFor(authorization: string | undefined): ShopUser | null;
}

export const DEFAULT_API_TOKENS = 'alice:alice-token,bob:bob-token';

const USER_ID = /^[\w.@-]{1,64}$/;

/** Parses `API_TOKENS`; a malformed entry is named by its position, never by its token. */
export function parseApiTokens(value: string | undefined): ApiTokens {
  const text = value === undefined || value.trim() === '' ? DEFAULT_API_TOKENS : value;
  const users = new Map<string, ShopUser>();
  const entries = text.split(',').map((entry) => entry.trim());
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    const token = entry.slice(colon + 1);
    if (colon < 1 || token === '' || !USER_ID.test(id) || /\s/.test(token)) {
      throw new StartupError(
        `API_TOKENS entry ${index + 1} is not "user:token": use a comma-separated list like ${DEFAULT_API_TOKENS}`,
      );
    }
    const key = digest(token);
    if (users.has(key)) throw new StartupError(`API_TOKENS gives the same token twice (entry ${index + 1})`);
    users.set(key, { id });
  }
  const demoToken = entries[0]?.slice(entries[0].indexOf(':') + 1) ?? '';
  return {
    userIds: [...users.values()].map((user) => user.id),
    demoToken,
    userFor(authorization) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!match?.[1]) return null;
      // looked up by digest: the lookup time says nothing about how much of a real token was guessed
      const user = users.get(digest(match[1]));
      return user ? { ...user } : null;
    },
  };
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
