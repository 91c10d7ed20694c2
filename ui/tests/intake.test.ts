import { describe, expect, it } from 'vitest';
import {
  duplicateKey, emptyForm, hasContent, parseDraft, serializeDraft, toComplaintInput, worthDuplicateCheck, type IntakeForm,
} from '../src/lib/intake';

const now = new Date('2026-11-23T07:05:00Z');

function filled(): IntakeForm {
  return {
    ...emptyForm(now, 'WIB'),
    kind: 'pengaduan_tidak_berkadar_pengawasan',
    channel: 'whatsapp',
    topic_id: '12',
    title: '  Antrean loket terlalu lama  ',
    description: '\nPasien menunggu 3 jam.\n',
    incident_place: '   ',
    incident_date: '2026-11-20',
    reporter_name: ' Siti Aminah ',
    reporter_nik: '3201014106900003',
    reporter_phone: '',
    reporter_email: '  ',
    reporter_address: 'Jl. Melati 1',
    assigned_to: '',
  };
}

describe('emptyForm', () => {
  it('defaults the received time to now in the office zone', () => {
    expect(emptyForm(now, 'WIB').received_at).toBe('2026-11-23T14:05');
    expect(emptyForm(now, 'WIT').received_at).toBe('2026-11-23T16:05');
    expect(hasContent(emptyForm(now, 'WIB'))).toBe(false);
  });
});

describe('toComplaintInput', () => {
  it('trims text and omits empty optional fields', () => {
    const input = toComplaintInput(filled(), 'WIB');
    expect(input).toEqual({
      received_at: '2026-11-23T07:05:00.000Z',
      channel: 'whatsapp',
      kind: 'pengaduan_tidak_berkadar_pengawasan',
      topic_id: 12,
      title: 'Antrean loket terlalu lama',
      description: 'Pasien menunggu 3 jam.',
      incident_date: '2026-11-20',
      reporter: { name: 'Siti Aminah', nik: '3201014106900003', phone: null, email: null, address: 'Jl. Melati 1' },
      is_secret: false,
      is_anonymous: false,
    });
    expect('incident_place' in input).toBe(false);
    expect('assigned_to' in input).toBe(false);
  });

  it('sends no identity for an anonymous report', () => {
    const input = toComplaintInput({ ...filled(), is_anonymous: true }, 'WIB');
    expect(input.reporter).toEqual({ name: null, nik: null, phone: null, email: null, address: null });
    expect(input.is_anonymous).toBe(true);
  });

  it('uses a fallback kind so an unfinished form can be validated', () => {
    expect(toComplaintInput({ ...filled(), kind: '' }, 'WIB').kind).toBe('aspirasi');
  });

  it('omits an unreadable received time (the core then uses now)', () => {
    expect('received_at' in toComplaintInput({ ...filled(), received_at: '' }, 'WIB')).toBe(false);
  });

  it('keeps text exactly, including markup, RTL and emoji', () => {
    const title = '<script>alert(1)</script> مرحبا 😷';
    expect(toComplaintInput({ ...filled(), title }, 'WIB').title).toBe(title);
  });
});

describe('drafts', () => {
  it('round-trip through JSON', () => {
    const f = { ...filled(), is_secret: true, title: 'Judul <b>x</b> 😷 שלום' };
    expect(parseDraft(serializeDraft(f), emptyForm(now, 'WIB'))).toEqual(f);
  });

  it('fill fields missing from an older draft with defaults and ignore wrong types', () => {
    const base = emptyForm(now, 'WIB');
    const restored = parseDraft(JSON.stringify({ v: 1, form: { title: 'Lama', is_secret: 'yes', extra: 1 } }), base);
    expect(restored).toEqual({ ...base, title: 'Lama' });
  });

  it('reject unreadable payloads', () => {
    const base = emptyForm(now, 'WIB');
    expect(parseDraft('{', base)).toBeNull();
    expect(parseDraft('null', base)).toBeNull();
    expect(parseDraft('{"v":1}', base)).toBeNull();
  });
});

describe('duplicate checks', () => {
  it('run when an identity number or enough text is present', () => {
    const base = emptyForm(now, 'WIB');
    expect(worthDuplicateCheck(base)).toBe(false);
    expect(worthDuplicateCheck({ ...base, reporter_nik: '3201014106900003' })).toBe(true);
    expect(worthDuplicateCheck({ ...base, reporter_phone: '0812-3456-789' })).toBe(true);
    expect(worthDuplicateCheck({ ...base, description: 'Obat di apotek puskesmas habis' })).toBe(true);
    expect(worthDuplicateCheck({ ...base, is_anonymous: true, reporter_nik: '3201014106900003' })).toBe(false);
  });

  it('key changes only with the fields that matter', () => {
    const a = filled();
    expect(duplicateKey({ ...a, assigned_to: 'Budi' })).toBe(duplicateKey(a));
    expect(duplicateKey({ ...a, description: 'lain' })).not.toBe(duplicateKey(a));
  });
});
