import { luaScript } from './script.js';

/**
 * ARGV: prefix, dedupe key, receipt JSON, order reference ('' when none). Returns 1 when inserted.
 * Why a script: HSETNX alone is atomic, but the receipt must also join the arrival-order lists exactly
 * when it was inserted; as separate commands a crash could leave a receipt no list shows (WH-5).
 */
export const recordWebhookReceiptScript = luaScript(
  'recordWebhookReceipt',
  `
local dedupeKey, receipt, orderReference = ARGV[2], ARGV[3], ARGV[4]
if redis.call('HSETNX', receiptsKey, dedupeKey, receipt) == 0 then return 0 end
redis.call('RPUSH', receiptOrderKey, dedupeKey)
if orderReference ~= '' then redis.call('RPUSH', receiptsByReferenceKey(orderReference), dedupeKey) end
return 1
`,
);
