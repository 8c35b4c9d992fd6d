// The checkout page end to end in headless Chromium (Debian's package, driven by playwright-core): pay and
// approve on the simulated phone; pay with a rejecting number, see the failure, try again with an approving
// number, approve, see success. Each payment pays an order the page created first, at the order's price. In
// live mode the page gets no demo token and asks for one. Screenshots go to examples/express/test-results/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, startTestShop, type TestShop } from '@clickpesa-kit/example-support/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShop } from '../src/app.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const ARTIFACTS = fileURLToPath(new URL('../test-results/', import.meta.url));
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const haveChromium = existsSync(CHROMIUM);

if (!haveChromium && !inCi) {
  console.warn(`Skipping the browser test: ${CHROMIUM} is missing (apt-get install chromium).`);
}

describe.skipIf(!haveChromium && !inCi)('checkout page in Chromium (sandbox mode)', () => {
  let app: TestShop;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // in CI a missing browser is a failure, not a skip
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing: .ci/run installs it with apt`);
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await startTestShop(startShop);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  /** The page's state (`<body data-checkout-state>`): form, waiting, success, failed, timeout. */
  async function reach(state: string, screenshot: string): Promise<void> {
    await page.waitForSelector(`body[data-checkout-state="${state}"]`, { timeout: 20_000 });
    await page.screenshot({ path: join(ARTIFACTS, screenshot), fullPage: true });
  }

  async function pay(msisdn: string, amount: string, button: '#pay' | '#retry'): Promise<void> {
    await page.fill('#msisdn', msisdn);
    await page.fill('#amount', amount);
    await page.click(button);
  }

  /** The newest push the sandbox received (the one the phone is showing). */
  function latestPush() {
    const pushes = [...app.sandbox.payments.values()];
    return pushes[pushes.length - 1];
  }

  /** What a person does: wait for the prompt on the simulated phone beside the form, press Approve. */
  async function approveOnPhone(orderReference: string, screenshot: string): Promise<void> {
    const approve = page
      .frameLocator('#phone-frame')
      .getByRole('button', { name: `Approve payment ${orderReference}` });
    await approve.waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, screenshot), fullPage: true });
    await approve.click();
  }

  it('pays, fails with a rejecting number, and succeeds when tried again with an approving one', async () => {
    await page.goto(`${app.url}/`);
    await expect.poll(() => page.isVisible('#sandbox-phone')).toBe(true);
    expect(await page.getAttribute('#phone-frame', 'src')).toBe(app.sandbox.phoneUrl);
    await page.screenshot({ path: join(ARTIFACTS, '01-checkout.png'), fullPage: true });

    // 1. an approving number (last digit 0-4), approved by hand on the phone
    await pay('0712 345 671', '1500', '#pay');
    await reach('waiting', '02-waiting.png');
    const first = latestPush();
    expect(first).toMatchObject({ phoneNumber: '255712345671', amount: '1500', status: 'PROCESSING' });
    // the page listens on the push route (an event arrived), it does not poll
    await expect.poll(() => page.textContent('#waiting-progress')).toMatch(/the moment it arrives/);
    await approveOnPhone(first?.orderReference ?? '', '03-prompt-on-phone.png');
    await reach('success', '04-paid.png');
    expect(await page.textContent('#reference')).toBe(first?.orderReference);
    expect(await page.textContent('#transaction-id')).toBe(
      app.sandbox.getPayment(first?.orderReference ?? '')?.id,
    );

    // 2. a rejecting number (last digit 5): the simulated customer declines at once
    await page.click('#new-payment');
    app.sandbox.configure({ approveDelayMs: 200 });
    await pay('0712 345 675', '2000', '#pay');
    await reach('failed', '05-rejected.png');
    expect(await page.textContent('#failure-reason')).toMatch(/rejected/i);
    const rejected = latestPush();
    expect(rejected).toMatchObject({ phoneNumber: '255712345675', status: 'FAILED' });

    // 3. "Try again" with an approving number, approved on the phone
    app.sandbox.configure({ approveDelayMs: 60_000 });
    await pay('0712 345 672', '2000', '#retry');
    await reach('waiting', '06-waiting-again.png');
    const retried = latestPush();
    expect(retried).toMatchObject({ phoneNumber: '255712345672', amount: '2000', status: 'PROCESSING' });
    await approveOnPhone(retried?.orderReference ?? '', '07-prompt-again.png');
    await reach('success', '08-paid-after-retry.png');
    expect(await page.textContent('#reference')).toBe(retried?.orderReference);

    // two orders, each created by the page before its payment; the second was paid by its second payment
    const orders = async () =>
      (await app.shop.orders.list('alice')).map((order) => ({
        amount: order.amount,
        status: order.status,
        payments: order.paymentIds.length,
      }));
    await eventually(async () => (await orders()).at(-1)?.status === 'paid', 'the last order to be paid');
    expect(await orders()).toEqual([
      { amount: '1500.00', status: 'paid', payments: 1 },
      { amount: '2000.00', status: 'paid', payments: 2 },
    ]);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('in live mode gets no demo token: it asks for one, and pays with the token given', async () => {
    const live = await startTestShop(startShop, { live: true });
    const livePage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    livePage.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await livePage.goto(`${live.url}/`);
      await expect.poll(() => livePage.isVisible('#token')).toBe(true);
      expect(await livePage.isVisible('#live-note')).toBe(true);
      expect(await livePage.isVisible('#sandbox-banner')).toBe(false);
      expect(await livePage.isVisible('#sandbox-phone')).toBe(false);

      // no token: the page says so and asks nobody for anything
      await livePage.fill('#msisdn', '0712 345 671');
      await livePage.fill('#amount', '2500');
      await livePage.click('#pay');
      await expect.poll(() => livePage.isVisible('#token-error')).toBe(true);
      await livePage.screenshot({ path: join(ARTIFACTS, '09-live-asks-for-token.png'), fullPage: true });
      expect(await live.shop.orders.list('bob')).toEqual([]);

      await livePage.fill('#token', 'bob-token');
      await livePage.click('#pay');
      await livePage.waitForSelector('body[data-checkout-state="waiting"]', { timeout: 20_000 });
      await livePage.screenshot({ path: join(ARTIFACTS, '10-live-waiting.png'), fullPage: true });
      const [push] = [...live.sandbox.payments.values()];
      expect(push).toMatchObject({ phoneNumber: '255712345671', amount: '2500' });
      const [order] = await live.shop.orders.list('bob');
      expect(order).toMatchObject({ amount: '2500.00', status: 'awaiting_payment' });
      expect(pageErrors).toEqual([]);
    } finally {
      await livePage.close();
      await live.stop();
    }
  }, 60_000);
});
