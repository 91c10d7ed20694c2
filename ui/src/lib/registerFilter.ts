// The register's filter as the form holds it, and its conversion to the core's ComplaintFilter.
import type { Channel, ComplaintFilter, Kind, SortOrder, Status } from './bindings';

/** '' = all statuses, OPEN = only open ones, else one status code. */
export const OPEN = 'open';

export interface RegisterFilter {
  status: Status | typeof OPEN | '';
  kind: Kind | '';
  channel: Channel | '';
  topic: string;
  overdue: boolean;
  from: string;
  to: string;
  text: string;
  sort: SortOrder;
}

export function defaultFilter(): RegisterFilter {
  return { status: '', kind: '', channel: '', topic: '', overdue: false, from: '', to: '', text: '', sort: 'newest' };
}

export function toComplaintFilter(f: RegisterFilter, offset: number, limit: number): ComplaintFilter {
  const out: ComplaintFilter = {
    statuses: f.status !== '' && f.status !== OPEN ? [f.status] : [],
    open_only: f.status === OPEN,
    overdue_only: f.overdue,
    sort: f.sort,
    offset,
    limit,
  };
  if (f.kind) out.kind = f.kind;
  if (f.channel) out.channel = f.channel;
  const topic = Number.parseInt(f.topic, 10);
  if (f.topic !== '' && Number.isSafeInteger(topic)) out.topic_id = topic;
  if (f.from) out.from = f.from;
  if (f.to) out.to = f.to;
  const text = f.text.trim();
  if (text) out.text = text;
  // Relevance needs a query; without one fall back to the newest first.
  if (out.sort === 'relevance' && !text) out.sort = 'newest';
  return out;
}

/** Identity of a query (everything but paging), to know when cached pages are stale. */
export function filterKey(f: RegisterFilter): string {
  return JSON.stringify(toComplaintFilter(f, 0, 0));
}

export function isFiltered(f: RegisterFilter): boolean {
  return filterKey(f) !== filterKey(defaultFilter());
}
