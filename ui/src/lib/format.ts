// One place for every date, number and deadline text the UI shows.
// Indonesia's zones are fixed offsets without DST, so plain arithmetic on the
// UTC instant is exact and does not depend on the WebView's tz database.
import type { OfficeZone } from './bindings';

export type Translate = (key: string, params?: Record<string, string | number>) => string;

export const ZONE_OFFSET_HOURS: Record<OfficeZone, number> = { WIB: 7, WITA: 8, WIT: 9 };
/** IANA names, for the rare place that needs Intl (long weekday names). */
export const ZONE_IANA: Record<OfficeZone, string> = {
  WIB: 'Asia/Jakarta',
  WITA: 'Asia/Makassar',
  WIT: 'Asia/Jayapura',
};

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

interface Parts { y: number; mo: number; d: number; h: number; mi: number }

function shifted(at: Date | string, zone: OfficeZone): Parts | null {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) return null;
  const s = new Date(ms + ZONE_OFFSET_HOURS[zone] * 3_600_000);
  return { y: s.getUTCFullYear(), mo: s.getUTCMonth() + 1, d: s.getUTCDate(), h: s.getUTCHours(), mi: s.getUTCMinutes() };
}

/** "23/11/2026 14:05" in the office zone; "" for a missing or bad instant. */
export function fmtDateTime(at: string | null | undefined, zone: OfficeZone): string {
  if (!at) return '';
  const p = shifted(at, zone);
  if (!p) return '';
  return `${pad(p.d)}/${pad(p.mo)}/${p.y} ${pad(p.h)}:${pad(p.mi)}`;
}

/** "23/11/2026 14:05 WIB". */
export function fmtDateTimeZone(at: string | null | undefined, zone: OfficeZone): string {
  const s = fmtDateTime(at, zone);
  return s ? `${s} ${zone}` : '';
}

const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

/** An office-local calendar date "2026-11-23" → "23/11/2026". */
export function fmtDate(ymd: string | null | undefined): string {
  if (!ymd) return '';
  const m = YMD.exec(ymd);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : ymd;
}

/** The office-local date of an instant, "YYYY-MM-DD". */
export function localDate(at: Date | string, zone: OfficeZone): string {
  const p = shifted(at, zone);
  return p ? `${p.y}-${pad(p.mo)}-${pad(p.d)}` : '';
}

/** Value for `<input type="datetime-local">` showing `at` in the office zone. */
export function toLocalInput(at: Date | string, zone: OfficeZone): string {
  const p = shifted(at, zone);
  return p ? `${p.y}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}` : '';
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** A datetime-local value read in the office zone → RFC 3339 UTC, or null if malformed. */
export function fromLocalInput(value: string, zone: OfficeZone): string | null {
  const m = LOCAL_INPUT.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - ZONE_OFFSET_HOURS[zone] * 3_600_000;
  const back = new Date(ms + ZONE_OFFSET_HOURS[zone] * 3_600_000);
  if (back.getUTCDate() !== d) return null; // 31 February and friends
  return new Date(ms).toISOString();
}

/** Whether a "YYYY-MM-DD" string is a real calendar date. */
export function isValidDate(ymd: string): boolean {
  const m = YMD.exec(ymd);
  if (!m) return false;
  const dt = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return dt.getUTCDate() === Number(m[3]) && dt.getUTCMonth() === Number(m[2]) - 1;
}

export type DeadlineTone = 'ok' | 'soon' | 'today' | 'late' | 'done' | 'none';

/** Tone of a working-days-left count: late in red, today/soon in amber. */
export function deadlineTone(remaining: number | null | undefined, met = false): DeadlineTone {
  if (met) return 'done';
  if (remaining === null || remaining === undefined) return 'none';
  if (remaining < 0) return 'late';
  if (remaining === 0) return 'today';
  if (remaining <= 2) return 'soon';
  return 'ok';
}

/** "sisa 3 hari kerja" / "terlambat 2 hari kerja" / "jatuh tempo hari ini". */
export function deadlineText(remaining: number | null | undefined, t: Translate): string {
  if (remaining === null || remaining === undefined) return '';
  if (remaining === 0) return t('deadline.today');
  const n = Math.abs(remaining);
  const key = remaining < 0 ? 'deadline.late' : 'deadline.left';
  // English needs a singular; the Indonesian catalog repeats the same sentence.
  return t(n === 1 ? `${key}_one` : key, { n });
}

function locale(lang: string): string {
  return lang === 'en' ? 'en-GB' : 'id-ID';
}

export function fmtNumber(n: number, lang: string): string {
  return new Intl.NumberFormat(locale(lang)).format(n);
}

/** "820 B", "12,5 KB", "3,4 MB" (decimal comma in Indonesian). */
export function fmtSize(bytes: number, lang: string): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const nf = new Intl.NumberFormat(locale(lang), { maximumFractionDigits: v < 10 ? 1 : 0 });
  return `${nf.format(v)} ${units[i]}`;
}

/** "Senin, 23 November 2026" for a "YYYY-MM-DD" office date. */
export function fmtLongDate(ymd: string, lang: string): string {
  const m = YMD.exec(ymd);
  if (!m) return ymd;
  const dt = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(locale(lang), {
    weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC',
  }).format(dt);
}
