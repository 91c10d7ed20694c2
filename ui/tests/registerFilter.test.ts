import { describe, expect, it } from 'vitest';
import { defaultFilter, filterKey, isFiltered, OPEN, toComplaintFilter } from '../src/lib/registerFilter';

describe('register filter', () => {
  it('maps the default filter to an unfiltered page request', () => {
    expect(toComplaintFilter(defaultFilter(), 400, 200)).toEqual({
      statuses: [], open_only: false, overdue_only: false, sort: 'newest', offset: 400, limit: 200,
    });
  });

  it('maps every field', () => {
    const f = {
      ...defaultFilter(), status: 'verified' as const, kind: 'aspirasi' as const, channel: 'sms' as const, topic: '7',
      overdue: true, from: '2026-01-01', to: '2026-01-31', text: '  obat  ', sort: 'relevance' as const,
    };
    expect(toComplaintFilter(f, 0, 200)).toEqual({
      statuses: ['verified'], open_only: false, overdue_only: true, sort: 'relevance', offset: 0, limit: 200,
      kind: 'aspirasi', channel: 'sms', topic_id: 7, from: '2026-01-01', to: '2026-01-31', text: 'obat',
    });
  });

  it('maps "open" to open_only', () => {
    const out = toComplaintFilter({ ...defaultFilter(), status: OPEN }, 0, 50);
    expect(out.open_only).toBe(true);
    expect(out.statuses).toEqual([]);
  });

  it('falls back from relevance without a query', () => {
    expect(toComplaintFilter({ ...defaultFilter(), sort: 'relevance', text: ' ' }, 0, 50).sort).toBe('newest');
  });

  it('keys ignore paging and whitespace-only text', () => {
    expect(filterKey({ ...defaultFilter(), text: '   ' })).toBe(filterKey(defaultFilter()));
    expect(isFiltered(defaultFilter())).toBe(false);
    expect(isFiltered({ ...defaultFilter(), overdue: true })).toBe(true);
  });
});
