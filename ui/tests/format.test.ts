import { describe, expect, it } from 'vitest';
import {
  deadlineText, deadlineTone, fmtDate, fmtDateTime, fmtDateTimeZone, fmtSize, fromLocalInput, isValidDate, localDate,
  toLocalInput, ZONE_IANA,
} from '../src/lib/format';
import { translate } from '../src/i18n/translate';
import id from '../src/i18n/id.json';
import en from '../src/i18n/en.json';
import type { OfficeZone } from '../src/lib/bindings';

const tId = (k: string, p?: Record<string, string | number>) => translate(id, id, k, p);
const tEn = (k: string, p?: Record<string, string | number>) => translate(en, id, k, p);

describe('office-zone date formatting', () => {
  const at = '2026-03-01T16:30:00Z';

  it('formats an instant in each zone', () => {
    expect(fmtDateTime(at, 'WIB')).toBe('01/03/2026 23:30');
    expect(fmtDateTime(at, 'WITA')).toBe('02/03/2026 00:30');
    expect(fmtDateTime(at, 'WIT')).toBe('02/03/2026 01:30');
    expect(fmtDateTimeZone(at, 'WITA')).toBe('02/03/2026 00:30 WITA');
  });

  it('agrees with Intl for the matching IANA zone', () => {
    for (const zone of ['WIB', 'WITA', 'WIT'] as OfficeZone[]) {
      for (const iso of ['2026-01-01T00:00:00Z', '2026-06-30T18:59:00Z', '2026-12-31T16:05:00Z']) {
        const parts = new Intl.DateTimeFormat('en-GB', {
          timeZone: ZONE_IANA[zone], day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
        }).formatToParts(new Date(iso));
        const get = (t: string) => parts.find((p) => p.type === t)?.value;
        expect(fmtDateTime(iso, zone)).toBe(`${get('day')}/${get('month')}/${get('year')} ${get('hour')}:${get('minute')}`);
      }
    }
  });

  it('gives the office-local date', () => {
    expect(localDate(at, 'WIB')).toBe('2026-03-01');
    expect(localDate(at, 'WIT')).toBe('2026-03-02');
  });

  it('returns empty text for missing or bad instants', () => {
    expect(fmtDateTime(null, 'WIB')).toBe('');
    expect(fmtDateTime('not a date', 'WIB')).toBe('');
  });

  it('formats calendar dates without shifting them', () => {
    expect(fmtDate('2026-11-23')).toBe('23/11/2026');
    expect(fmtDate(null)).toBe('');
  });

  it('round-trips datetime-local values through UTC', () => {
    const v = toLocalInput('2026-11-23T07:05:00Z', 'WIB');
    expect(v).toBe('2026-11-23T14:05');
    expect(fromLocalInput(v, 'WIB')).toBe('2026-11-23T07:05:00.000Z');
    expect(fromLocalInput('2026-11-23T08:00', 'WIT')).toBe('2026-11-22T23:00:00.000Z');
  });

  it('rejects malformed datetime-local values', () => {
    expect(fromLocalInput('', 'WIB')).toBeNull();
    expect(fromLocalInput('2026-02-31T10:00', 'WIB')).toBeNull();
    expect(fromLocalInput('2026-13-01T10:00', 'WIB')).toBeNull();
    expect(fromLocalInput('23/11/2026 10:00', 'WIB')).toBeNull();
  });

  it('validates calendar dates', () => {
    expect(isValidDate('2028-02-29')).toBe(true);
    expect(isValidDate('2026-02-29')).toBe(false);
    expect(isValidDate('2026-1-01')).toBe(false);
  });
});

describe('working-day deadline text', () => {
  it('reads naturally in Indonesian', () => {
    expect(deadlineText(3, tId)).toBe('sisa 3 hari kerja');
    expect(deadlineText(-2, tId)).toBe('terlambat 2 hari kerja');
    expect(deadlineText(0, tId)).toBe('jatuh tempo hari ini');
    expect(deadlineText(null, tId)).toBe('');
  });

  it('reads naturally in English', () => {
    expect(deadlineText(1, tEn)).toBe('1 working day left');
    expect(deadlineText(2, tEn)).toBe('2 working days left');
    expect(deadlineText(-1, tId)).toBe('terlambat 1 hari kerja');
    expect(deadlineText(-4, tEn)).toBe('4 working days late');
  });

  it('colours by urgency', () => {
    expect(deadlineTone(-1)).toBe('late');
    expect(deadlineTone(0)).toBe('today');
    expect(deadlineTone(2)).toBe('soon');
    expect(deadlineTone(5)).toBe('ok');
    expect(deadlineTone(null)).toBe('none');
    expect(deadlineTone(-3, true)).toBe('done');
  });
});

describe('sizes', () => {
  it('uses a decimal comma in Indonesian', () => {
    expect(fmtSize(820, 'id')).toBe('820 B');
    expect(fmtSize(1536, 'id')).toBe('1,5 KB');
    expect(fmtSize(1536, 'en')).toBe('1.5 KB');
    expect(fmtSize(5 * 1024 * 1024, 'id')).toBe('5 MB');
    expect(fmtSize(25 * 1024 * 1024, 'id')).toBe('25 MB');
  });
});
