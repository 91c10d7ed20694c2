import { describe, expect, it } from 'vitest';
import en from '../src/i18n/en.json';
import id from '../src/i18n/id.json';
import { placeholders, translate } from '../src/i18n/translate';

const ID = id as Record<string, string>;
const EN = en as Record<string, string>;

describe('translation catalogs', () => {
  it('have exactly the same keys', () => {
    expect(Object.keys(EN).sort()).toEqual(Object.keys(ID).sort());
  });

  it('use the same placeholders for every key', () => {
    const diffs = Object.keys(ID).filter((k) => placeholders(ID[k]).join() !== placeholders(EN[k] ?? '').join());
    expect(diffs).toEqual([]);
  });

  it('have no empty messages', () => {
    for (const cat of [ID, EN]) {
      expect(Object.entries(cat).filter(([, v]) => v.trim() === '')).toEqual([]);
    }
  });

  it('label every status, kind, channel, role and action code of the core', () => {
    const codes: Record<string, string[]> = {
      status: ['received', 'verified', 'routed', 'in_follow_up', 'waiting_reporter', 'finished', 'postponed', 'forwarded', 'archived', 'rejected'],
      kind: ['aspirasi', 'pengaduan_tidak_berkadar_pengawasan', 'pengaduan_berkadar_pengawasan', 'permintaan_informasi'],
      channel: ['tatap_muka', 'telepon', 'sms', 'whatsapp', 'surat', 'kotak_saran', 'email', 'media_sosial', 'lapor'],
      role: ['petugas', 'kepala', 'admin', 'pemantau'],
      action_button: ['verify', 'postpone', 'resume', 'forward', 'archive', 'reject', 'route', 'start_follow_up', 'reporter_replied', 'finish', 'reopen'],
      zone: ['WIB', 'WITA', 'WIT'],
      step: ['verifikasi', 'tindak_lanjut_pertama', 'penyelesaian', 'tutup_otomatis'],
      followup_state: ['draft', 'approved', 'returned'],
    };
    const missing = Object.entries(codes).flatMap(([p, list]) => list.map((c) => `${p}.${c}`)).filter((k) => !(k in ID));
    expect(missing).toEqual([]);
  });
});

describe('translate()', () => {
  const cat = { hello: 'Halo {name}, sisa {n} hari', plain: 'Tanpa parameter' };
  const fallback = { only_id: 'Hanya di katalog cadangan' };

  it('interpolates named placeholders', () => {
    expect(translate(cat, fallback, 'hello', { name: 'Siti', n: 3 })).toBe('Halo Siti, sisa 3 hari');
  });

  it('leaves unknown placeholders as written', () => {
    expect(translate(cat, fallback, 'hello', { name: 'Siti' })).toBe('Halo Siti, sisa {n} hari');
  });

  it('falls back to the fallback catalog, then to the key', () => {
    expect(translate(cat, fallback, 'only_id')).toBe('Hanya di katalog cadangan');
    expect(translate(cat, fallback, 'nope.missing')).toBe('nope.missing');
  });

  it('does not interpret parameters as patterns', () => {
    expect(translate(cat, fallback, 'hello', { name: '$& {n}', n: 1 })).toBe('Halo $& {n}, sisa 1 hari');
  });

  it('lists placeholders', () => {
    expect(placeholders('{b} dan {a} dan {b}')).toEqual(['a', 'b']);
  });
});
