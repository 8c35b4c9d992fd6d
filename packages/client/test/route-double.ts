import type { Payment, PaymentStatus, ProviderStatus } from '../src/types.js';

/**
 * A test double of OUR server's routes (docs/http-api.md), written as a fetch handler so it can run in-process
 * (as the client's `fetch`, for fake-timer tests) or behind a real HTTP server. It follows the contract:
 * the envelope, status codes, owner scoping, Idempotency-Key replay/reuse, retry/cancel rules, and it counts
 * status checks per payment. What a payment does on each status check is scripted by the test.
 */

/**
 * What the nth status check does: a status, fields to patch, a canned reply, or a transport failure
 * ('drop' = the connection dies, 'hold' = no answer ever comes).
 */
export type Step =
  | PaymentStatus
  | Partial<Payment>
  | { reply: number; body?: unknown; headers?: Record<string, string> }
  /** A status with the freshness hints of the status route (`poll_after_ms`, `checked_at`, `Retry-After`). */
  | { status: PaymentStatus; hints: Record<string, unknown>; headers?: Record<string, string> }
  | 'drop'
  | 'hold';

export interface LoggedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** Date.now() when the request arrived (fake time under fake timers). */
  at: number;
}

export type DoubleAnswer = Response | 'drop' | 'hold';

const TOKENS: Record<string, string> = { 'alice-token': 'alice', 'bob-token': 'bob' };
const PROVIDER_STATUS: Record<PaymentStatus, string> = {
  pending: 'PENDING',
  processing: 'PROCESSING',
  success: 'SUCCESS',
  failed: 'FAILED',
  cancelled: 'PROCESSING',
  reversed: 'REVERSED',
};

interface StoredPayment {
  owner: string;
  payment: Payment;
  /** Steps for the coming status checks of the current attempt. */
  steps: Step[];
  statusChecks: number;
}

export function createRouteDouble() {
  const payments = new Map<string, StoredPayment>();
  const idempotency = new Map<string, { fingerprint: string; paymentId: string }>();
  const requests: LoggedRequest[] = [];
  let plannedSteps: Step[] = [];
  let sequence = 0;

  const newReference = () => `PAY${(++sequence).toString(16).toUpperCase().padStart(12, '0')}`;

  const routes: Array<
    [string, RegExp, (owner: string, match: RegExpMatchArray, body: unknown) => DoubleAnswer]
  > = [
    ['POST', /^\/payments$/, (owner, _match, body) => create(owner, body)],
    ['GET', /^\/payments\/([^/]+)\/status$/, (owner, match) => status(owned(owner, match))],
    ['GET', /^\/payments\/([^/]+)$/, (owner, match) => read(owned(owner, match))],
    ['POST', /^\/payments\/([^/]+)\/retry$/, (owner, match) => retry(owned(owner, match))],
    ['POST', /^\/payments\/([^/]+)\/cancel$/, (owner, match) => cancel(owned(owner, match))],
  ];

  let currentKey: string | undefined;

  function owned(owner: string, match: RegExpMatchArray): StoredPayment | undefined {
    const stored = payments.get(decodeURIComponent(match[1] ?? ''));
    return stored && stored.owner === owner ? stored : undefined;
  }

  function create(owner: string, body: unknown): DoubleAnswer {
    if (typeof body !== 'object' || body === null) {
      return error(400, 'VALIDATION_ERROR', 'The request is invalid', [
        { field: 'body', message: 'a JSON object body is required' },
      ]);
    }
    const input = body as Record<string, unknown>;
    const details: { field: string; message: string }[] = [];
    const amount = String(input.amount ?? '');
    if (!/^\d+(\.\d{1,2})?$/.test(amount) || Number(amount) < 100) {
      details.push({ field: 'amount', message: 'amount must be at least 100 with at most 2 decimals' });
    }
    const digits = String(input.msisdn ?? '').replace(/^\+/, '');
    const msisdn = /^0[67]\d{8}$/.test(digits) ? `255${digits.slice(1)}` : digits;
    if (!/^255[67]\d{8}$/.test(msisdn))
      details.push({ field: 'msisdn', message: 'msisdn is not a valid number' });
    if (input.currency !== undefined && input.currency !== 'TZS') {
      details.push({ field: 'currency', message: 'currency must be TZS' });
    }
    if (details.length > 0) return error(400, 'VALIDATION_ERROR', 'The request is invalid', details);

    const fingerprint = JSON.stringify([amount, msisdn]);
    if (currentKey !== undefined) {
      const earlier = idempotency.get(`${owner}:${currentKey}`);
      if (earlier && earlier.fingerprint !== fingerprint) {
        return error(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
      }
      const replayed = earlier && payments.get(earlier.paymentId);
      if (replayed)
        return envelope(201, 'Payment initiated successfully.', replayed, { 'idempotent-replayed': 'true' });
    }

    const now = new Date(Date.now()).toISOString();
    const id = `${(++sequence).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
    const rejected = msisdn.endsWith('9');
    const stored: StoredPayment = {
      owner,
      steps: plannedSteps,
      statusChecks: 0,
      payment: {
        id,
        transaction_id: rejected ? null : `LCP${sequence}`,
        reference: newReference(),
        status: rejected ? 'failed' : 'processing',
        amount: Number(amount).toFixed(2),
        currency: 'TZS',
        msisdn,
        provider: msisdn.startsWith('2556') ? 'AIRTEL' : 'VODACOM',
        customer_name: typeof input.customer_name === 'string' ? input.customer_name : null,
        external_order_id: typeof input.external_order_id === 'string' ? input.external_order_id : null,
        error_message: rejected ? 'Invalid / unsupported phone number' : null,
        failure_reason: rejected ? 'initiation_rejected' : null,
        needs_attention: false,
        amount_mismatch: false,
        collected_amount: null,
        collected_currency: null,
        attempts: 1,
        metadata: null,
        created_at: now,
        updated_at: now,
        completed_at: null,
        settled_at: null,
      },
    };
    plannedSteps = [];
    payments.set(id, stored);
    if (currentKey !== undefined) idempotency.set(`${owner}:${currentKey}`, { fingerprint, paymentId: id });
    if (rejected) {
      return json(422, {
        success: false,
        message: 'ClickPesa rejected the payment',
        error: { code: 'PAYMENT_REJECTED' },
        data: stored.payment,
      });
    }
    return envelope(201, 'Payment initiated successfully. Customer will receive USSD push prompt.', stored);
  }

  function status(stored: StoredPayment | undefined): DoubleAnswer {
    if (!stored) return notFound();
    stored.statusChecks += 1;
    const step = stored.steps[stored.statusChecks - 1];
    if (step === 'drop' || step === 'hold') return step;
    if (typeof step === 'object' && 'reply' in step) {
      return json(step.reply, step.body ?? '', step.headers);
    }
    const hinted = typeof step === 'object' && 'hints' in step ? step : null;
    if (hinted) patch(stored, { status: hinted.status });
    else if (step !== undefined) patch(stored, typeof step === 'string' ? { status: step } : step);
    const { payment } = stored;
    const providerStatus: ProviderStatus = {
      id: payment.transaction_id,
      status: PROVIDER_STATUS[payment.status],
      orderReference: payment.reference,
      channel: 'TIGO-PESA',
      collectedAmount: payment.amount,
      collectedCurrency: 'TZS',
    };
    if (!hinted) return envelope(200, 'Payment status retrieved successfully', stored, {}, providerStatus);
    return json(200, { ...bodyOf(stored, providerStatus), ...hinted.hints }, hinted.headers);
  }

  function read(stored: StoredPayment | undefined): DoubleAnswer {
    return stored ? envelope(200, 'Payment retrieved successfully', stored) : notFound();
  }

  function retry(stored: StoredPayment | undefined): DoubleAnswer {
    if (!stored) return notFound();
    if (stored.payment.status !== 'failed' && stored.payment.status !== 'cancelled') {
      return error(409, 'RETRY_NOT_ALLOWED', 'This payment cannot be retried now');
    }
    patch(stored, {
      status: 'processing',
      reference: newReference(),
      attempts: stored.payment.attempts + 1,
      error_message: null,
      failure_reason: null,
    });
    stored.steps = plannedSteps;
    stored.statusChecks = 0;
    plannedSteps = [];
    return envelope(
      201,
      'Payment retry initiated successfully. Customer will receive USSD push prompt.',
      stored,
    );
  }

  function cancel(stored: StoredPayment | undefined): DoubleAnswer {
    if (!stored) return notFound();
    if (stored.payment.status !== 'pending' && stored.payment.status !== 'processing') {
      return error(409, 'CANCEL_NOT_ALLOWED', 'Only pending or processing payments can be cancelled');
    }
    patch(stored, { status: 'cancelled' });
    return envelope(200, 'Payment cancelled successfully', stored);
  }

  function patch(stored: StoredPayment, changes: Partial<Payment>): void {
    const now = new Date(Date.now()).toISOString();
    stored.payment = { ...stored.payment, ...changes, updated_at: now };
    if (stored.payment.status === 'success' && stored.payment.completed_at === null) {
      stored.payment.completed_at = now;
    }
  }

  return {
    requests,
    /** Status checks of one payment (current attempt), as counted by the route. */
    statusChecks: (paymentId: string) => payments.get(paymentId)?.statusChecks ?? 0,
    payment: (paymentId: string) => payments.get(paymentId)?.payment,
    paymentCount: () => payments.size,
    /** Script the status checks of the next payment created (or the next retry). */
    planNext(steps: Step[]) {
      plannedSteps = steps;
    },
    /** Change a payment by hand, as the provider would. */
    update(paymentId: string, changes: Partial<Payment>) {
      const stored = payments.get(paymentId);
      if (!stored) throw new Error(`no payment ${paymentId}`);
      patch(stored, changes);
    },
    async handle(request: Request): Promise<DoubleAnswer> {
      const url = new URL(request.url);
      const path = url.pathname.replace(/^\/api\/v1/, '').replace(/\/$/, '');
      const text = await request.text();
      const headers = headersObject(request.headers);
      let body: unknown = text === '' ? undefined : text;
      requests.push({ method: request.method, path, headers, body, at: Date.now() });

      const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
      const owner = TOKENS[token];
      const route = routes.find(([method, pattern]) => method === request.method && pattern.test(path));
      if (!route) return error(404, 'NOT_FOUND', 'Not found');
      if (!owner) return error(401, 'UNAUTHORIZED', 'Authentication required');
      if (text !== '') {
        if (!(request.headers.get('content-type') ?? '').startsWith('application/json')) {
          return error(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be application/json');
        }
        try {
          body = JSON.parse(text);
        } catch {
          return error(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
        }
        (requests.at(-1) as LoggedRequest).body = body;
      }
      currentKey = request.headers.get('idempotency-key') ?? undefined;
      const [, pattern, action] = route;
      return action(owner, path.match(pattern) as RegExpMatchArray, body);
    },
  };
}

export type RouteDouble = ReturnType<typeof createRouteDouble>;

/** Headers as a plain object with lower-case names (the DOM lib in use has no Headers iterator). */
export function headersObject(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {};
  headers.forEach((value, name) => {
    result[name] = value;
  });
  return result;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Response(text, {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

function bodyOf(stored: StoredPayment, providerStatus: ProviderStatus): Record<string, unknown> {
  return {
    success: true,
    message: 'Payment status retrieved successfully',
    data: stored.payment,
    provider_status: providerStatus,
  };
}

function envelope(
  status: number,
  message: string,
  stored: StoredPayment,
  headers: Record<string, string> = {},
  providerStatus?: ProviderStatus,
): Response {
  const body: Record<string, unknown> = { success: true, message, data: stored.payment };
  if (providerStatus) body.provider_status = providerStatus;
  return json(status, body, headers);
}

function error(status: number, code: string, message: string, details?: unknown[]): Response {
  return json(status, { success: false, message, error: details ? { code, details } : { code } });
}

function notFound(): Response {
  return error(404, 'NOT_FOUND', 'Payment not found');
}
