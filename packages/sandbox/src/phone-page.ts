import type { SandboxPayment } from './types.js';

// The simulated phone at GET /__sandbox/: plain HTML rendered here, refreshed by a few lines of inline
// JS that re-fetch the rendered fragment every second. One renderer, no build step.

const AWAITING_CUSTOMER = new Set(['PROCESSING', 'PENDING']);

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** "1000.50" → "1,000.50", on the string so no float ever touches the amount. */
export function formatAmount(amount: string): string {
  const [whole = '', fraction] = amount.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

function promptCard(payment: SandboxPayment, merchantName: string): string {
  const ref = escapeHtml(payment.orderReference);
  const id = `prompt-${ref}`;
  return `<section class="ussd" aria-labelledby="${id}">
  <p class="ussd-text" id="${id}">Pay ${payment.currency} ${escapeHtml(formatAmount(payment.amount))} to ${escapeHtml(merchantName)}? Enter PIN</p>
  <label class="pin">PIN <input type="password" inputmode="numeric" maxlength="4" autocomplete="off" aria-label="PIN for ${ref}"></label>
  <p class="ussd-meta">${escapeHtml(payment.channel)} · ${escapeHtml(payment.phoneNumber)} · ref ${ref}</p>
  <div class="actions">
    <button type="button" class="reject" data-action="reject" data-ref="${ref}" aria-label="Reject payment ${ref}">Reject</button>
    <button type="button" class="approve" data-action="approve" data-ref="${ref}" aria-label="Approve payment ${ref}">Approve</button>
  </div>
</section>`;
}

function statusRow(payment: SandboxPayment): string {
  const status = escapeHtml(payment.status);
  return `<tr><td>${escapeHtml(payment.orderReference)}</td><td>${escapeHtml(payment.phoneNumber)}</td>
<td class="num">${escapeHtml(formatAmount(payment.amount))}</td><td>${escapeHtml(payment.channel)}</td>
<td><span class="status status-${status.toLowerCase()}">${status}</span></td>
<td>${new Date(payment.updatedAt).toISOString().slice(11, 19)}</td></tr>`;
}

/** The part that refreshes: pending prompts on the phone and the recent-payments table. */
export function renderPhoneFragment(payments: SandboxPayment[], merchantName: string): string {
  const latestPerReference = new Map(payments.map((payment) => [payment.orderReference, payment]));
  const pending = [...latestPerReference.values()].filter((payment) => AWAITING_CUSTOMER.has(payment.status));
  const screen =
    pending.length === 0
      ? `<p class="idle">No payment requests.<br><small>Initiate a push to a number ending in 7 and it waits here for you.</small></p>`
      : pending.map((payment) => promptCard(payment, merchantName)).join('\n');
  const recent = payments.slice(-15).reverse();
  const table =
    recent.length === 0
      ? '<p class="empty">No payments yet.</p>'
      : `<table><caption>Recent payments (newest first)</caption>
<thead><tr><th scope="col">Reference</th><th scope="col">Phone</th><th scope="col">Amount (TZS)</th><th scope="col">Wallet</th><th scope="col">Status</th><th scope="col">Updated (UTC)</th></tr></thead>
<tbody>${recent.map(statusRow).join('\n')}</tbody></table>`;
  return `<div class="phone" role="region" aria-label="Simulated phone">
  <div class="bar" aria-hidden="true"><span>SANDBOX 4G</span><span>100%</span></div>
  <div class="frame"><div class="screen" aria-live="polite">${screen}</div></div>
</div>
<section class="panel" aria-label="Recent payments">
  <h2>Payments</h2>
  ${table}
</section>`;
}

const STYLE = `
:root { color-scheme: light; --ink:#1d2433; --muted:#5b6475; --brand:#0b7a53; --bad:#b42318; --bg:#eef2f6; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
header { padding:16px 24px; background:#fff; border-bottom:1px solid #d8dee6; }
header h1 { margin:0; font-size:20px; } header p { margin:4px 0 0; color:var(--muted); }
.banner { display:inline-block; margin-left:8px; padding:2px 8px; border-radius:999px; background:#fff4d6; color:#7a5200; font-size:12px; font-weight:600; vertical-align:middle; }
main { display:flex; gap:32px; padding:24px; flex-wrap:wrap; align-items:flex-start; }
.phone { width:320px; border-radius:40px; padding:14px; background:#111827; box-shadow:0 20px 40px rgba(16,24,40,.25); }
.phone .bar { display:flex; justify-content:space-between; color:#e5e7eb; font-size:12px; padding:4px 16px 8px; }
.phone .frame { background:linear-gradient(180deg,#1f3b57,#0f2438); border-radius:28px; min-height:520px; padding:16px; display:flex; }
.screen { flex:1; min-width:0; display:flex; flex-direction:column; gap:12px; }
.idle { margin:auto; color:#cbd5e1; text-align:center; }
.ussd { background:#f8fafc; border-radius:14px; padding:14px; box-shadow:0 4px 12px rgba(0,0,0,.25); }
.ussd-text { margin:0 0 10px; font-weight:600; }
.ussd-meta { margin:8px 0 0; font-size:12px; color:var(--muted); word-break:break-all; }
.pin { display:flex; align-items:center; gap:8px; font-size:13px; color:var(--muted); }
.pin input { flex:1; min-width:0; width:100%; padding:6px 8px; border:1px solid #cbd5e1; border-radius:8px; font-size:16px; letter-spacing:4px; }
.actions { display:flex; gap:8px; margin-top:12px; }
.actions button { flex:1; padding:9px 0; border:0; border-radius:10px; font-weight:600; font-size:14px; cursor:pointer; }
.approve { background:var(--brand); color:#fff; } .reject { background:#e4e7ec; color:var(--bad); }
button:focus-visible, input:focus-visible { outline:3px solid #f5b400; outline-offset:2px; }
.panel { flex:1; min-width:320px; background:#fff; border:1px solid #d8dee6; border-radius:12px; padding:16px 20px; }
.panel h2 { margin:0 0 8px; font-size:16px; }
table { width:100%; border-collapse:collapse; font-size:13px; } caption { text-align:left; color:var(--muted); padding-bottom:6px; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid #eef0f3; } td.num { text-align:right; font-variant-numeric:tabular-nums; }
.status { padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; background:#eef2f6; }
.status-success, .status-settled { background:#dcfae6; color:#085d3a; } .status-failed { background:#fee4e2; color:#912018; }
.status-processing, .status-pending { background:#fef0c7; color:#93370d; }
.empty { color:var(--muted); } footer { padding:0 24px 24px; color:var(--muted); font-size:13px; }
code { background:#eef2f6; padding:1px 4px; border-radius:4px; }
`;

const SCRIPT = `
(() => {
  const live = document.getElementById('live');
  let last = '';
  async function refresh() {
    try {
      const response = await fetch('/__sandbox/prompts', { cache: 'no-store' });
      const html = await response.text();
      if (html !== last) { last = html; live.innerHTML = html; }
    } catch {}
  }
  live.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    button.disabled = true;
    const ref = encodeURIComponent(button.dataset.ref);
    await fetch('/__sandbox/payments/' + ref + '/' + button.dataset.action, { method: 'POST' }).catch(() => {});
    refresh();
  });
  last = live.innerHTML;
  setInterval(refresh, 1000);
})();
`;

export function renderPhonePage(payments: SandboxPayment[], merchantName: string, baseUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ClickPesa sandbox — simulated phone</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>ClickPesa sandbox <span class="banner">No real money</span></h1>
  <p>USSD push prompts appear on the phone below. Base URL: <code>${escapeHtml(baseUrl)}</code></p>
</header>
<main id="live">
${renderPhoneFragment(payments, merchantName)}
</main>
<footer>Last digit of the phone number: 0–4 approve, 5 reject, 6 insufficient balance, 7 wait for you, 8 approve without webhook, 9 invalid number.</footer>
<script>${SCRIPT}</script>
</body>
</html>`;
}
