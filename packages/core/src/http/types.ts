/**
 * The plain request/response pair adapters translate to and from. The core decides all HTTP semantics.
 */
export interface HandlerRequest<Raw = unknown> {
  method: string;
  /** Path relative to the mount point, without the query string: "/payments/123/status". */
  path: string;
  query?: Record<string, string | string[] | undefined>;
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>;
  /** The body as a host parser left it (object), if one ran. */
  body?: unknown;
  /** The body bytes as we (or the host) captured them; preferred over `body`. */
  rawBody?: Buffer | string;
  /** True when the adapter stopped reading because the body exceeded `bodyLimit`. */
  bodyTooLarge?: boolean;
  /**
   * The client's IP address as the framework determined it with its own trust-proxy setting (Express
   * `req.ip`, Fastify `request.ip`, Koa `ctx.ip`). Used by the rate limits; never read from headers here.
   */
  ip?: string;
  /** The framework's own request object (`req`, `request`, `ctx` or a fetch `Request`), handed to `authenticate`. */
  raw: Raw;
  /**
   * Aborted by the adapter when the client goes away: a long poll or an event stream then ends at once and
   * frees what it holds. Adapters that leave it out only end those at their timeout or final status.
   */
  signal?: AbortSignal;
}

export interface HandlerResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON-serialisable envelope (undefined with `stream`, or for an empty answer). */
  body: unknown;
  /**
   * A streamed answer instead of `body` (the event stream): text chunks to write, flushing each, in order.
   * Iteration ends when the response is complete; an adapter whose client went away stops iterating
   * (`break`/`return()`) and aborts the request's `signal`, which frees the stream's listener.
   */
  stream?: AsyncIterable<string>;
}

/**
 * The host's authentication hook: the framework's own request in (each adapter names its type: Express
 * `Request`, Fastify `FastifyRequest`, Koa `Context`, fetch `Request`), `{ id }` or null out.
 */
export type Authenticate<Raw = unknown> = (
  raw: Raw,
) => Principal | null | undefined | Promise<Principal | null | undefined>;

export interface Principal {
  /** The signed-in user (or account) that owns the payments. A number is stored as its decimal string. */
  id: string | number;
}

/** What adapters call. Built by `createClickPesaPayments` (kit.ts). */
export interface PaymentsHandler {
  /** Maximum body size in bytes (default 64 KiB); adapters stop reading past it and set `bodyTooLarge`. */
  readonly bodyLimit: number;
  /** How long adapters may spend reading one body (default 10 s); past it they answer 408 and close the connection. */
  readonly bodyReadTimeoutMs?: number;
  /** Open event streams and long polls in this process, and heartbeat timers (0 when none is open). */
  pushStats?(): { connections: number; timers: number };
  /** True when `path` (relative to the mount point) belongs to our route table, whatever the method. */
  matches(path: string): boolean;
  /**
   * Answers one request. Rejects only with an error thrown by the host's `authenticate` (after emitting
   * `error`), so the adapter can hand it to the framework's own error handling.
   */
  handle(request: HandlerRequest): Promise<HandlerResponse>;
}
