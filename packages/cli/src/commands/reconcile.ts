import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createClickPesaPayments } from '@clickpesa-kit/core';
import type { Command } from '../context.js';
import { parseInstant } from '../durations.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { toJson } from '../render.js';
import { renderTable } from '../table.js';
import { parseLimit } from './payments.js';

/**
 * `reconcile --since 24h [--until t] [--apply] [--page-size n] [--provider-status s] [--out dir]`: compares the
 * store with ClickPesa's list (credentials from CLICKPESA_CLIENT_ID / CLICKPESA_API_KEY, as the app reads
 * them), writes the report as JSON and Markdown files, and exits 1 when anything disagrees.
 */
export const reconcile: Command = async (ctx) => {
  const { options } = ctx;
  if (ctx.args.length > 0) throw new UsageError('reconcile takes no arguments, only options');
  if (!options.since) throw new UsageError('reconcile needs --since (e.g. --since 24h)');
  const since = parseInstant(options.since, '--since', ctx.now);
  const until = options.until ? parseInstant(options.until, '--until', ctx.now) : ctx.now;
  const pageSize = parseLimit(options['page-size'], 20, 500);
  const missing = ['CLICKPESA_CLIENT_ID', 'CLICKPESA_API_KEY'].filter((name) => !ctx.env[name]);
  if (missing.length > 0)
    throw new UsageError(`reconcile needs ClickPesa credentials: set ${missing.join(' and ')}`);

  // the kit as the app builds it, minus everything that runs in the background
  const payments = createClickPesaPayments({
    store: ctx.store,
    authenticate: () => null,
    clickpesa: { env: { ...ctx.env } },
    poller: false,
    dispatcher: false,
    retention: false,
    autoStart: false,
  });
  try {
    const { report, markdown } = await payments.reconcile({
      since,
      until,
      apply: options.apply === true,
      pageSize,
      ...(options['provider-status'] ? { providerStatus: options['provider-status'] } : {}),
      onProgress: ({ records, totalCount, pages }) =>
        ctx.progress.update(records, Math.max(totalCount, records), `ClickPesa records (${pages} pages)`),
    });
    ctx.progress.finish();
    const dir = resolve(options.out ?? '.');
    mkdirSync(dir, { recursive: true });
    const base = join(dir, `reconciliation-${report.generatedAt.replace(/[:.]/g, '-')}`);
    writeFileSync(`${base}.json`, `${toJson(report)}\n`);
    writeFileSync(`${base}.md`, markdown);
    const files = { json: `${base}.json`, markdown: `${base}.md` };
    if (options.json) ctx.print(toJson({ ...report, files }));
    else {
      const { counts } = report;
      ctx.print(
        `Reconciled ${report.providerRecords} ClickPesa record(s) from ${report.since} to ${report.until}` +
          ` in ${report.pages} page(s)${report.apply ? ', safe corrections applied' : ''}.`,
      );
      ctx.print(
        renderTable(
          ['AGREE', 'MISSING HERE', 'STATE DIFFERS', 'AMOUNT DIFFERS', 'CORRECTED'],
          [
            [
              report.matched,
              counts.missing_locally,
              counts.status_differs,
              counts.amount_differs,
              counts.corrected,
            ].map(String),
          ],
        ),
      );
      if (report.mismatches.length > 0) {
        ctx.print('');
        ctx.print(
          renderTable(
            ['KIND', 'REFERENCE', 'HERE', 'CLICKPESA', 'AMOUNT HERE', 'CLICKPESA AMOUNT', 'CORRECTION'],
            report.mismatches.map((m) => [
              m.kind,
              m.orderReference,
              m.localStatus ?? '-',
              m.providerStatus,
              m.localAmount ?? '-',
              m.providerAmount ?? '-',
              m.correction + (m.statusAfter ? ` → ${m.statusAfter}` : ''),
            ]),
          ),
        );
      }
      ctx.print(`\nReport: ${files.markdown}\n        ${files.json}`);
    }
    return report.mismatches.length > 0 ? EXIT.found : EXIT.ok;
  } finally {
    ctx.progress.finish();
    await payments.close();
  }
};
