import type { Authenticate, PaymentsHandler } from '@clickpesa-kit/core';

/** The translated request as the fake handler saw it, echoed back as the response body. */
export interface Echo {
  method: string;
  path: string;
  query: Record<string, unknown>;
  contentType: string | null;
  rawBody: string | null;
  body: unknown;
  bodyTooLarge: boolean;
  principal: string | null;
}

export const FAKE_BODY_LIMIT = 1024;
const OUR_PATHS = /^\/(payments(\/[^/]+(\/(status|retry|cancel))?)?|callback)\/?$/;

/**
 * A stand-in for `createClickPesaPayments` that isolates the adapters' translation: it echoes what it was
 * handed, and calls the host's `authenticate` with `raw` as the real handler does (errors propagate).
 */
export function createFakeKit(options: { authenticate: Authenticate }) {
  let closed = 0;
  const handler: PaymentsHandler = {
    bodyLimit: FAKE_BODY_LIMIT,
    matches: (path) => OUR_PATHS.test(path),
    async handle(request) {
      const principal = await options.authenticate(request.raw);
      const contentType = request.headers['content-type'];
      const echo: Echo = {
        method: request.method,
        path: request.path,
        query: { ...request.query },
        contentType: typeof contentType === 'string' ? contentType : null,
        rawBody: request.rawBody === undefined ? null : Buffer.from(request.rawBody).toString('utf8'),
        body: request.body ?? null,
        bodyTooLarge: request.bodyTooLarge ?? false,
        principal: principal ? String(principal.id) : null,
      };
      return { status: 202, headers: { 'x-fake-handler': 'yes' }, body: echo };
    },
  };
  return {
    handler,
    service: {},
    store: {},
    events: {},
    poller: {},
    client: {},
    start() {},
    async close() {
      closed += 1;
    },
    get closedCount() {
      return closed;
    },
  };
}
