import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { WaitOptions } from '@clickpesa-kit/client';
import { bundleBrowserClient } from './browser-client.js';

const require = createRequire(import.meta.url);

/** What `/config.json` tells the page. No ClickPesa secret, ever: the API key and checksum key stay here. */
export interface CheckoutConfig {
  /** Where the payment routes are mounted. */
  apiBase: string;
  /**
   * Sandbox mode only: the first demo user's bearer token, so the page signs in by itself. Absent with real
   * ClickPesa: signing in is the host's job (its own session), and the page asks for a token instead.
   */
  token?: string;
  /** Sandbox mode: the simulated phone the page shows beside the form. */
  sandbox: { phoneUrl: string } | null;
  /** The page's polling (the guide's defaults when empty). */
  poll: Pick<WaitOptions, 'initialDelayMs' | 'intervalMs' | 'maxAttempts'>;
}

/** One file of the page, ready for any framework to send. */
export interface PageFile {
  headers: Record<string, string>;
  body: string;
}

/** The checkout page (`examples/shared-checkout`), the browser client and `/config.json`, by URL path. */
export interface CheckoutPage {
  /** The GET paths the host routes to `file()`. */
  readonly paths: readonly string[];
  file(path: string): PageFile | undefined;
}

const PAGE_FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/checkout.js': ['checkout.js', 'text/javascript; charset=utf-8'],
  '/checkout.css': ['checkout.css', 'text/css; charset=utf-8'],
} as const;

/** Reads the page once at startup, so a missing file stops the example instead of breaking the page. */
export async function loadCheckoutPage(config: CheckoutConfig): Promise<CheckoutPage> {
  const files = new Map<string, PageFile>();
  for (const [path, [name, contentType]] of Object.entries(PAGE_FILES)) {
    const body = await readFile(require.resolve(`@clickpesa-kit/example-checkout-page/${name}`), 'utf8');
    files.set(path, pageFile(contentType, body));
  }
  files.set('/client.js', pageFile('text/javascript; charset=utf-8', await bundleBrowserClient()));
  files.set('/config.json', pageFile('application/json; charset=utf-8', JSON.stringify(config)));
  return {
    paths: [...files.keys()],
    file: (path) => files.get(path),
  };
}

function pageFile(contentType: string, body: string): PageFile {
  return {
    headers: {
      'content-type': contentType,
      // a demo that changes between runs (sandbox port, token): never serve yesterday's config
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    body,
  };
}
