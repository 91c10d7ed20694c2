// Why an outbox item is where it is, in the user's language. The core keeps
// a stable code and the server's own words; the code picks the sentence and
// the server's words follow as detail.
import type { OutboxView } from './bindings';
import { has, t } from '../i18n/index.svelte';

export function reasonText(q: Pick<OutboxView, 'last_error_code' | 'last_error' | 'waiting_for_report' | 'state'>): string {
  if (q.waiting_for_report) return t('sync.reason.WAITING_FOR_REPORT');
  const code = q.last_error_code;
  if (!code) return q.state === 'pending' ? t('sync.reason.NEW') : '';
  const key = `sync.reason.${code}`;
  const base = has(key) ? t(key) : code;
  const detail = q.last_error?.trim();
  // User skips carry the person's own words; server errors carry the server's.
  return detail && code !== 'NEEDS_CHECK' ? `${base} (${detail})` : base;
}
