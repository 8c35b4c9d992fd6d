import type { ReconciliationMismatch, ReconciliationReport } from './provider-reconciliation.js';

const KIND_TITLES: Record<ReconciliationMismatch['kind'], string> = {
  missing_locally: 'At ClickPesa, missing here',
  status_differs: 'State differs',
  amount_differs: 'Amount differs',
};

/** The reconciliation report for people: a summary, then one table per kind of mismatch. */
export function reconciliationMarkdown(report: ReconciliationReport): string {
  const lines = [
    '# Reconciliation with ClickPesa',
    '',
    `Window: ${report.since} to ${report.until} (generated ${report.generatedAt}; ` +
      `${report.apply ? 'safe corrections applied' : 'report only'}).`,
    '',
    '| | count |',
    '| --- | ---: |',
    `| ClickPesa records | ${report.providerRecords} |`,
    `| agree | ${report.matched} |`,
    `| at ClickPesa, missing here | ${report.counts.missing_locally} |`,
    `| state differs | ${report.counts.status_differs} |`,
    `| amount differs | ${report.counts.amount_differs} |`,
    `| corrected | ${report.counts.corrected} |`,
    '',
  ];
  if (report.mismatches.length === 0) {
    lines.push('No mismatches.', '');
    return lines.join('\n');
  }
  for (const kind of Object.keys(KIND_TITLES) as ReconciliationMismatch['kind'][]) {
    const rows = report.mismatches.filter((mismatch) => mismatch.kind === kind);
    if (rows.length === 0) continue;
    lines.push(`## ${KIND_TITLES[kind]} (${rows.length})`, '');
    lines.push('| reference | payment | here | ClickPesa | amount here | ClickPesa amount | correction |');
    lines.push('| --- | --- | --- | --- | ---: | ---: | --- |');
    for (const row of rows) {
      const correction =
        row.correction +
        (row.statusAfter ? ` → ${row.statusAfter}` : '') +
        (row.note ? ` (${row.note})` : '');
      lines.push(
        `| ${cell(row.orderReference)} | ${cell(row.paymentId)} | ${cell(row.localStatus)} | ` +
          `${cell(row.providerStatus)} | ${cell(row.localAmount)} | ${cell(row.providerAmount)} | ${cell(correction)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** A table cell: "-" for nothing, pipes and line breaks made harmless (ClickPesa's strings are not ours). */
function cell(value: string | null): string {
  if (value === null || value === '') return '-';
  return value.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}
