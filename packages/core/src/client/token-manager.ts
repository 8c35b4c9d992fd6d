/**
 * The access-token cache (POLL-10): one `/generate-token` however many callers want a token at
 * once (single flight), reuse until `ttlMs` has passed, and invalidation that only drops the token the caller
 * actually saw rejected, so 200 concurrent 401s cause one refresh, not a storm (F-AUTH-4).
 */

export interface TokenState {
  hasToken: boolean;
  /** Epoch ms at which the cached token is considered stale, or null. */
  expiresAt: number | null;
  /** Tokens obtained from ClickPesa since the client was created. */
  issued: number;
  refreshing: boolean;
}

export interface TokenManagerDeps {
  /** Fetches a new token, already in `Authorization` form ("Bearer …"); retries are its business. */
  fetchToken: () => Promise<string>;
  ttlMs: number;
  now: () => number;
  onIssued?: (token: string) => void;
}

/** ClickPesa returns "Bearer eyJ…"; send it as is. A bare token gets the prefix once, never twice (F1). */
export function toAuthorizationValue(token: string): string {
  const trimmed = token.trim();
  return /^bearer\s+\S/i.test(trimmed) ? trimmed : `Bearer ${trimmed}`;
}

export class TokenManager {
  readonly #deps: TokenManagerDeps;
  #token: string | undefined;
  #expiresAt = 0;
  #inFlight: Promise<string> | undefined;
  #issued = 0;

  constructor(deps: TokenManagerDeps) {
    this.#deps = deps;
  }

  /** A valid cached token, or the (shared) result of one refresh. */
  get(): Promise<string> {
    if (this.#token !== undefined && this.#deps.now() < this.#expiresAt) return Promise.resolve(this.#token);
    return this.refresh();
  }

  /** Joins the refresh in flight, or starts one. */
  refresh(): Promise<string> {
    if (!this.#inFlight) {
      const startedAt = this.#deps.now();
      this.#inFlight = this.#deps
        .fetchToken()
        .then((token) => {
          this.#token = token;
          // counted from the request's start: the token may have been minted before the answer reached us
          this.#expiresAt = startedAt + this.#deps.ttlMs;
          this.#issued += 1;
          this.#deps.onIssued?.(token);
          return token;
        })
        .finally(() => {
          this.#inFlight = undefined;
        });
    }
    return this.#inFlight;
  }

  /**
   * Drops the cached token. With `rejected`, only if it is still the cached one: another caller may have
   * refreshed already, and that fresh token must survive.
   */
  invalidate(rejected?: string): void {
    if (rejected !== undefined && rejected !== this.#token) return;
    this.#token = undefined;
    this.#expiresAt = 0;
  }

  state(): TokenState {
    const valid = this.#token !== undefined && this.#deps.now() < this.#expiresAt;
    return {
      hasToken: valid,
      expiresAt: valid ? this.#expiresAt : null,
      issued: this.#issued,
      refreshing: this.#inFlight !== undefined,
    };
  }
}
