import type { PaymentAudit } from '../service/payment-audit.js';
import { baseHeaders } from './envelope.js';
import { formatIso, toPublicPayment } from './public-payment.js';
import type { HandlerResponse } from './types.js';

/** One audit entry as `GET /payments/:id/audit` shows it (its data was redacted when it was written). */
export interface PublicAuditEntry {
  at: string;
  kind: string;
  data: Record<string, unknown>;
}

/** One stored event as the audit route shows it: the event itself, not the payment snapshot stored with it. */
export interface PublicAuditEvent {
  id: string;
  seq: number;
  type: string;
  occurred_at: string;
  data: Record<string, unknown>;
}

export function auditResponse(message: string, audit: PaymentAudit): HandlerResponse {
  return {
    status: 200,
    headers: baseHeaders(),
    body: {
      success: true,
      message,
      data: toPublicPayment(audit.payment),
      audit: audit.entries.map(
        (entry): PublicAuditEntry => ({ at: formatIso(entry.at), kind: entry.kind, data: entry.data }),
      ),
      events: audit.events.map(
        (event): PublicAuditEvent => ({
          id: event.id,
          seq: event.seq,
          type: event.type,
          occurred_at: formatIso(event.occurredAt),
          data: event.data,
        }),
      ),
    },
  };
}
