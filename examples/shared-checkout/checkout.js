// The example checkout: plain ES module, no framework, no build step. It talks to the payment routes
// through @clickpesa-kit/client (its browser build, served at /client.js) and to nothing else.
//
// It holds no ClickPesa secret: /config.json gives it only where the routes are and, in sandbox mode, a
// bearer token for a demo user. With real ClickPesa it gets no token: signing in is the shop's job (its own
// session), and this demo page asks for a token instead. The API key and checksum key stay on the server.
//
// The server sets the price: the page creates an order (POST /shop/orders) and pays it by its id, without an
// amount. The amount field only says what the order is for; a changed amount is a new order.
import { createPaymentsClient, isPaymentsApiError, PaymentsApiError } from '/client.js';

const $ = (selector) => document.querySelector(selector);

const form = $('#checkout-form');
const fields = { token: $('#token'), msisdn: $('#msisdn'), amount: $('#amount') };
const sections = {
  waiting: $('[data-state="waiting"]'),
  success: $('[data-state="success"]'),
  failed: $('[data-state="failed"]'),
  timeout: $('[data-state="timeout"]'),
};
const headings = {
  waiting: $('#waiting-title'),
  success: $('#success-title'),
  failed: $('#failed-title'),
  timeout: $('#timeout-title'),
};

/** @type {{ client: import('/client.js').PaymentsClient | null, config: any, order: any, payment: any, polling: AbortController | null, busy: boolean, state: string }} */
const page = {
  client: null,
  config: null,
  order: null,
  payment: null,
  polling: null,
  busy: false,
  state: 'form',
};

// ---- states -------------------------------------------------------------------------------------------

/** Shows one state. The form is visible while filling it in and after a failure (so the number can change). */
function show(state, { focus = true } = {}) {
  page.state = state;
  form.hidden = state !== 'form' && state !== 'failed';
  $('#pay-actions').hidden = state !== 'form';
  for (const [name, section] of Object.entries(sections)) section.hidden = name !== state;
  document.body.dataset.checkoutState = state;
  // move focus to where the news is, so keyboard and screen-reader users land on it
  if (focus && state !== 'form') headings[state].focus();
}

function setBusy(busy) {
  page.busy = busy;
  form.setAttribute('aria-busy', String(busy));
  for (const button of document.querySelectorAll('button')) button.disabled = busy;
}

function showWaiting(payment, pollOverrides = {}) {
  page.payment = payment;
  $('#waiting-msisdn').textContent = formatMsisdn(payment.msisdn);
  $('#waiting-amount').textContent = formatAmount(payment.amount);
  $('#waiting-progress').textContent = page.config.sandbox
    ? 'Waiting for your approval. Use the simulated phone to approve or reject.'
    : 'Waiting for your approval…';
  show('waiting');
  void waitForOutcome(payment, pollOverrides);
}

function showSuccess(payment) {
  page.payment = payment;
  $('#transaction-id').textContent = payment.transaction_id ?? '—';
  $('#reference').textContent = payment.reference;
  $('#paid-amount').textContent = formatAmount(payment.amount);
  $('#paid-msisdn').textContent = formatMsisdn(payment.msisdn);
  show('success');
}

function showFailed(payment, reason) {
  page.payment = payment;
  $('#failure-reason').textContent = reason || payment?.error_message || 'The payment did not go through.';
  show('failed');
}

function showTimeout(payment, note) {
  page.payment = payment;
  $('#timeout-reference').textContent = payment?.reference ?? '—';
  if (note) $('#timeout-reference').textContent += ` (${note})`;
  $('#timeout-progress').textContent =
    'This page keeps checking for a few minutes and updates itself when the answer comes.';
  show('timeout');
  if (payment) void watchInBackground(payment);
}

function startOver() {
  page.polling?.abort();
  page.order = null;
  page.payment = null;
  clearErrors();
  show('form');
  fields.msisdn.focus();
}

// ---- waiting ------------------------------------------------------------------------------------------

/**
 * Drives the waiting state with the client's wait: the push route (the result arrives the moment the server
 * has it), else polling (the guide's strategy, or /config.json's `poll`).
 */
async function waitForOutcome(payment, pollOverrides) {
  page.polling?.abort();
  const polling = new AbortController();
  page.polling = polling;
  const progress = $('#waiting-progress');
  try {
    const result = await page.client.waitForPayment(payment.id, {
      ...page.config.poll,
      ...pollOverrides,
      signal: polling.signal,
      onUpdate: (update, { attempt, maxAttempts, live }) => {
        page.payment = update;
        progress.textContent = live
          ? 'Waiting for your approval: this page updates the moment it arrives.'
          : `Still waiting for your approval (check ${attempt} of ${maxAttempts}).`;
      },
      onRetryableError: (_error, { attempt, maxAttempts }) => {
        progress.textContent = `Connection trouble, still trying (check ${attempt} of ${maxAttempts}).`;
      },
    });
    if (polling.signal.aborted) return;
    if (result.outcome === 'success') showSuccess(result.payment);
    else if (result.outcome === 'timeout') showTimeout(result.payment ?? payment);
    else showFailed(result.payment, result.message);
  } catch (error) {
    if (polling.signal.aborted) return; // cancelled or replaced: someone else owns the screen now
    showTimeout(payment, `we could not check it: ${describe(error)}`);
  }
}

// ---- actions ------------------------------------------------------------------------------------------

/**
 * Pay: an order for the amount first (the shop's own route), then a payment for that order, without an
 * amount: the server charges the order's. The order is kept, so trying again with another number pays the
 * same order.
 */
async function pay() {
  const input = validate();
  if (!input) return;
  await run(async () => {
    try {
      const sameOrder = page.order && page.order.amount === toTwoPlaces(input.amount);
      if (!sameOrder) page.order = await createOrder(input.amount);
      const { payment } = await page.client.initiatePayment({
        msisdn: input.msisdn,
        external_order_id: page.order.id,
      });
      showWaiting(payment);
    } catch (error) {
      // a push ClickPesa refused still created a (failed) payment: offer the retry route for it
      if (isPaymentsApiError(error, 'PAYMENT_REJECTED') && error.payment) showFailed(error.payment);
      else showRequestError(error);
    }
  });
}

/** `POST /shop/orders`: the shop's own route, in the same envelope as the payment routes. */
async function createOrder(amount) {
  let response;
  let body;
  try {
    response = await fetch('/shop/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${currentToken()}` },
      body: JSON.stringify({ item: 'Checkout', amount }),
    });
    body = await response.json();
  } catch (cause) {
    throw new PaymentsApiError({
      status: 0,
      code: 'NETWORK_ERROR',
      message: 'The shop is unreachable',
      cause,
    });
  }
  if (response.ok && body?.success) return body.data;
  const code = body?.error?.code ?? 'INTERNAL_ERROR';
  const message = body?.message ?? `HTTP ${response.status}`;
  // the order route names no field: its only 400 is about the amount
  const details = code === 'VALIDATION_ERROR' ? [{ field: 'amount', message }] : [];
  throw new PaymentsApiError({ status: response.status, code, message, details });
}

/**
 * "Try again". With the same number and amount it uses the retry route: the same payment gets a new attempt,
 * so the shop keeps one order with one payment id. A person who changed the number (a different wallet) is
 * making a different payment of the same order: a NEW payment for it; the failed one stays failed. A changed
 * amount is a new order.
 */
async function tryAgain() {
  const input = validate();
  if (!input) return;
  const failed = page.payment;
  const unchanged =
    failed && normaliseMsisdn(input.msisdn) === failed.msisdn && toTwoPlaces(input.amount) === failed.amount;
  if (!unchanged) return pay();
  await run(async () => {
    try {
      const { payment } = await page.client.retryPayment(failed.id);
      showWaiting(payment);
    } catch (error) {
      if (isPaymentsApiError(error, 'ALREADY_PAID')) {
        // the "failed" attempt was paid after all (late success): show the receipt
        const { payment } = await page.client.getPayment(failed.id);
        showSuccess(payment);
      } else if (isPaymentsApiError(error, 'PAYMENT_REJECTED') && error.payment) {
        showFailed(error.payment);
      } else {
        showFailed(failed, describe(error));
      }
    }
  });
}

async function cancel() {
  const payment = page.payment;
  page.polling?.abort();
  await run(async () => {
    try {
      await page.client.cancelPayment(payment.id);
    } catch {
      // already final or unreachable: the payment stays as the server has it
    }
    startOver();
  });
}

/**
 * "We will confirm when it arrives": after the active wait, a slow watch (every 30 s for 10 minutes) keeps
 * the promise while the page is open; the server's own reconciliation keeps it after that.
 */
async function watchInBackground(payment) {
  page.polling?.abort();
  const watch = new AbortController();
  page.polling = watch;
  try {
    const result = await page.client.waitForPayment(payment.id, {
      initialDelayMs: 30_000,
      intervalMs: 30_000,
      maxAttempts: 20,
      signal: watch.signal,
    });
    if (page.state !== 'timeout' || watch.signal.aborted) return;
    if (result.outcome === 'success') showSuccess(result.payment);
    else if (result.outcome !== 'timeout') showFailed(result.payment, result.message);
    else $('#timeout-progress').textContent = 'We stopped checking here. The shop will confirm the payment.';
  } catch {
    // a watch that fails changes nothing on screen: the shop still confirms
  }
}

/** After a timeout: look again right away (the server may have heard from ClickPesa meanwhile). */
function checkAgain() {
  if (page.payment) showWaiting(page.payment, { initialDelayMs: 0 });
  else startOver();
}

/** One request at a time: buttons are disabled meanwhile, so a double click cannot send two prompts. */
async function run(action) {
  if (page.busy) return;
  setBusy(true);
  try {
    await action();
  } finally {
    setBusy(false);
  }
}

// ---- validation and errors ----------------------------------------------------------------------------

/** Checks the form in the browser first (the server checks again); returns the input or null. */
function validate() {
  clearErrors();
  const msisdn = fields.msisdn.value.replace(/[\s-]/g, '');
  const amount = fields.amount.value.replace(/[\s,]/g, '');
  const problems = {};
  if (!page.config.token && currentToken() === '') {
    problems.token = 'Enter your API token (one of the tokens in API_TOKENS on the server).';
  }
  if (msisdn === '') problems.msisdn = 'Enter the phone number that should get the prompt.';
  else if (normaliseMsisdn(msisdn) === null)
    problems.msisdn = 'Enter a Tanzanian mobile number, like 0712 345 678.';
  if (amount === '') problems.amount = 'Enter the amount to pay.';
  else if (!/^\d+(\.\d{1,2})?$/.test(amount) || /^0*(\.0*)?$/.test(amount)) {
    problems.amount = 'Enter an amount in shillings, like 1000 (at most two decimals).';
  }
  if (Object.keys(problems).length > 0) {
    showFieldErrors(problems);
    return null;
  }
  // the amount stays a string: money never becomes a float on its way to the server
  return { msisdn, amount };
}

function showFieldErrors(problems) {
  let first = null;
  for (const [name, message] of Object.entries(problems)) {
    const input = fields[name];
    const error = $(`#${name}-error`);
    input.setAttribute('aria-invalid', 'true');
    error.textContent = message;
    error.hidden = false;
    first ??= input;
  }
  first?.focus();
}

function showFormError(message) {
  const error = $('#form-error');
  error.textContent = message;
  error.hidden = false;
}

function clearErrors() {
  for (const [name, input] of Object.entries(fields)) {
    input.removeAttribute('aria-invalid');
    $(`#${name}-error`).hidden = true;
  }
  $('#form-error').hidden = true;
}

/** Server answers on the form: field details inline, everything else above the button. */
function showRequestError(error) {
  if (page.state !== 'form' && page.state !== 'failed') show('form');
  if (isPaymentsApiError(error, 'VALIDATION_ERROR')) {
    const problems = {};
    const others = [];
    for (const detail of error.details) {
      if (detail.field === 'msisdn' || detail.field === 'provider')
        problems.msisdn ??= sentence(detail.message);
      else if (detail.field === 'amount') problems.amount ??= sentence(detail.message);
      else others.push(sentence(detail.message));
    }
    if (others.length > 0) showFormError(others.join(' '));
    if (Object.keys(problems).length > 0) return showFieldErrors(problems);
    if (others.length > 0) return;
  }
  showFormError(describe(error));
  fields.msisdn.focus();
}

function describe(error) {
  if (!isPaymentsApiError(error)) return 'Something went wrong. Please try again.';
  if (error.code === 'NETWORK_ERROR')
    return 'We could not reach the shop. Check your connection and try again.';
  if (error.code === 'UNAUTHORIZED') {
    return page.config.token
      ? 'You are not signed in (the demo token was refused).'
      : 'You are not signed in: the shop refused this token.';
  }
  if (error.code === 'ORDER_NOT_FOUND')
    return 'This order cannot be paid (it is not yours, or already paid).';
  if (error.code === 'PUSH_IN_PROGRESS') {
    return 'A payment prompt is already open on this phone. Answer or dismiss it, then try again.';
  }
  if (error.status >= 500) return 'The payment service is having trouble. Please try again in a moment.';
  return sentence(error.message);
}

/** The demo token (sandbox mode) or what the token field holds (live mode). */
function currentToken() {
  return page.config?.token ?? fields.token.value.trim();
}

// ---- formatting (strings only: no float ever touches an amount) -----------------------------------------

/** "0712 345 678", "+255712345678", "255712345678" → "255712345678"; null when it is not such a number. */
function normaliseMsisdn(value) {
  const digits = value.replace(/[\s-]/g, '').replace(/^\+/, '');
  if (/^0[67]\d{8}$/.test(digits)) return `255${digits.slice(1)}`;
  if (/^255[67]\d{8}$/.test(digits)) return digits;
  return null;
}

/** "1000" → "1000.00", "1000.5" → "1000.50" (the server's canonical form). */
function toTwoPlaces(amount) {
  const [whole, fraction = ''] = amount.split('.');
  return `${whole.replace(/^0+(?=\d)/, '')}.${fraction.padEnd(2, '0')}`;
}

function formatAmount(amount) {
  const [whole, fraction] = String(amount).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `TZS ${fraction && fraction !== '00' ? `${grouped}.${fraction}` : grouped}`;
}

/** 255712345678 → "0712 345 678" */
function formatMsisdn(msisdn) {
  const local = `0${String(msisdn).replace(/^255/, '')}`;
  return local.length === 10 ? `${local.slice(0, 4)} ${local.slice(4, 7)} ${local.slice(7)}` : String(msisdn);
}

function sentence(text) {
  const trimmed = String(text).trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

// ---- start --------------------------------------------------------------------------------------------

async function start() {
  show('form', { focus: false });
  let config;
  try {
    const response = await fetch('/config.json', { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    config = await response.json();
  } catch {
    showFormError('The checkout is not available right now (its settings could not be loaded).');
    setBusy(true);
    return;
  }
  page.config = { apiBase: '/api/v1', sandbox: null, poll: {}, ...config };
  // asked before every request: in live mode the token is whatever the field holds now
  page.client = createPaymentsClient({ baseUrl: page.config.apiBase, token: currentToken });
  if (!page.config.token) {
    // live mode: no demo sign-in; a real shop's own session would be here instead of this field
    $('#token-field').hidden = false;
    $('#live-note').hidden = false;
  }

  if (page.config.sandbox?.phoneUrl) {
    $('#sandbox-banner').hidden = false;
    $('#sandbox-phone').hidden = false;
    $('#phone-frame').src = page.config.sandbox.phoneUrl;
    $('#phone-link').href = page.config.sandbox.phoneUrl;
    document.body.classList.add('with-phone');
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void (page.state === 'failed' ? tryAgain() : pay());
});
$('#cancel').addEventListener('click', () => void cancel());
$('#start-over').addEventListener('click', startOver);
$('#timeout-start-over').addEventListener('click', startOver);
$('#new-payment').addEventListener('click', () => {
  form.reset();
  startOver();
});
$('#check-again').addEventListener('click', checkAgain);

void start();
