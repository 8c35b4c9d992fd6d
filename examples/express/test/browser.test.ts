// The checkout page end to end in headless Chromium (Debian's package, driven by playwright-core): pay and
// approve on the simulated phone; pay with a rejecting number, see the failure, try again with an approving
// number, approve, see success. Screenshots go to examples/express/test-results/.
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

    // the shop's orders followed the payment events: paid, failed, paid
    const statuses = async () =>
      (await app.shop.orders.list('alice')).map((order) => [order.amount, order.status]);
    await eventually(async () => (await statuses()).at(-1)?.[1] === 'paid', 'the last order to be paid');
    expect(await statuses()).toEqual([
      ['1500.00', 'paid'],
      ['2000.00', 'payment_failed'],
      ['2000.00', 'paid'],
    ]);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
