// Labels for monev cells and small helpers shared by the dashboard and visits.
import type { Cell, Count, TopicLabel } from './bindings';
import { channelLabel, kindLabel, statusLabel } from './labels';
import { t } from '../i18n/index.svelte';

export function cellLabel(c: Cell, topics: TopicLabel[] = []): string {
  switch (c.metric) {
    case 'kind':
      return kindLabel(c.key);
    case 'channel':
      return channelLabel(c.key);
    case 'status':
      return statusLabel(c.key);
    case 'month':
      return c.key;
    case 'unit':
      return c.key;
    case 'topic':
      return c.key === null ? t('monev.no_topic') : (topics.find((x) => x.id === c.key)?.label ?? String(c.key));
    case 'on_time':
    case 'late':
    case 'pending':
      return `${t(`monev.cell.${c.metric}`)} · ${t(`step.${c.key}`)}`;
    default:
      return t(`monev.cell.${c.metric}`);
  }
}

export const pct = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `${n.toFixed(1)}%`);
export const num = (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? '—' : n.toFixed(digits));

/** The current half year: January–June or July–December (monev runs per semester). */
export function currentSemester(today = new Date()): { from: string; to: string } {
  const y = today.getFullYear();
  return today.getMonth() < 6 ? { from: `${y}-01-01`, to: `${y}-06-30` } : { from: `${y}-07-01`, to: `${y}-12-31` };
}

export const values = (cs: Count[]) => cs.map((c) => c.value);
