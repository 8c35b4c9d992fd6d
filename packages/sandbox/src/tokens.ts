import { randomBytes } from 'node:crypto';

const SCHEME = 'Bearer ';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Issues JWT-looking opaque tokens and checks `Authorization` headers against them. */
export class TokenStore {
  // Keyed by the bare token (without "Bearer "); the value is its expiry time.
  private readonly expiries = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** Returns the token as ClickPesa hands it out: with the "Bearer " prefix unless told otherwise. */
  issue(clientId: string, ttlMs: number, withPrefix: boolean): string {
    const issuedAt = this.now();
    const bare = [
      base64url({ alg: 'HS256', typ: 'JWT' }),
      base64url({
        sub: clientId,
        iat: Math.floor(issuedAt / 1000),
        exp: Math.floor((issuedAt + ttlMs) / 1000),
      }),
      randomBytes(32).toString('base64url'),
    ].join('.');
    this.expiries.set(bare, issuedAt + ttlMs);
    return withPrefix ? SCHEME + bare : bare;
  }

  /**
   * Only `Bearer <token>` is accepted: the token exactly as issued when it carries the prefix, the bare
   * token with one prefix otherwise. A doubled "Bearer Bearer" or a missing scheme is refused.
   */
  isAuthorized(header: string | undefined): boolean {
    if (!header?.startsWith(SCHEME)) return false;
    const bare = header.slice(SCHEME.length);
    const expiry = this.expiries.get(bare);
    if (expiry === undefined) return false;
    if (this.now() >= expiry) {
      this.expiries.delete(bare);
      return false;
    }
    return true;
  }

  expireAll(): void {
    this.expiries.clear();
  }
}
