// The intake form as the user types it, and its conversions: to the core's
// ComplaintInput, and to/from the autosaved draft JSON.
import type { Channel, ComplaintInput, Kind, OfficeZone } from './bindings';
import { fromLocalInput, toLocalInput } from './format';

export interface IntakeForm {
  /** datetime-local value in the office zone. */
  received_at: string;
  channel: Channel | '';
  kind: Kind | '';
  /** Topic id as the select's string value; '' for none. */
  topic_id: string;
  title: string;
  description: string;
  incident_place: string;
  /** YYYY-MM-DD or ''. */
  incident_date: string;
  reporter_name: string;
  reporter_nik: string;
  reporter_phone: string;
  reporter_email: string;
  reporter_address: string;
  is_secret: boolean;
  is_anonymous: boolean;
  assigned_to: string;
}

export const DRAFT_FORM_KEY = 'intake';
export const DEFAULT_KIND: Kind = 'pengaduan_tidak_berkadar_pengawasan';
const DRAFT_VERSION = 1;

export function emptyForm(now: Date, zone: OfficeZone): IntakeForm {
  return {
    received_at: toLocalInput(now, zone),
    channel: 'tatap_muka',
    // The everyday case at a desk; the clerk changes it for aspirasi, information
    // requests and complaints that need examination (longer deadline).
    kind: DEFAULT_KIND,
    topic_id: '',
    title: '',
    description: '',
    incident_place: '',
    incident_date: '',
    reporter_name: '',
    reporter_nik: '',
    reporter_phone: '',
    reporter_email: '',
    reporter_address: '',
    is_secret: false,
    is_anonymous: false,
    assigned_to: '',
  };
}

const TEXT_FIELDS = [
  'title', 'description', 'incident_place', 'reporter_name', 'reporter_nik', 'reporter_phone',
  'reporter_email', 'reporter_address', 'assigned_to',
] as const;

/** True when the user has typed something worth keeping as a draft. */
export function hasContent(f: IntakeForm): boolean {
  return TEXT_FIELDS.some((k) => f[k].trim() !== '') || f.topic_id !== '';
}

function opt(s: string): string | null {
  const v = s.trim();
  return v === '' ? null : v;
}

/**
 * Form → ComplaintInput: trims text, drops empty optional fields, reads the
 * received time in the office zone. An anonymous report sends no identity
 * (the typed values stay in the form in case the box is unticked again).
 * `kind` falls back to `fallbackKind` so an incomplete form can still be
 * validated by the core; the form itself checks that a kind was chosen.
 */
export function toComplaintInput(f: IntakeForm, zone: OfficeZone, fallbackKind: Kind = 'aspirasi'): ComplaintInput {
  const input: ComplaintInput = {
    channel: f.channel === '' ? 'tatap_muka' : f.channel,
    kind: f.kind === '' ? fallbackKind : f.kind,
    title: f.title.trim(),
    description: f.description.trim(),
    reporter: f.is_anonymous
      ? { name: null, nik: null, phone: null, email: null, address: null }
      : {
          name: opt(f.reporter_name),
          nik: opt(f.reporter_nik),
          phone: opt(f.reporter_phone),
          email: opt(f.reporter_email),
          address: opt(f.reporter_address),
        },
    is_secret: f.is_secret,
    is_anonymous: f.is_anonymous,
  };
  const received = fromLocalInput(f.received_at, zone);
  if (received) input.received_at = received;
  const topic = Number.parseInt(f.topic_id, 10);
  if (f.topic_id !== '' && Number.isSafeInteger(topic)) input.topic_id = topic;
  const place = opt(f.incident_place);
  if (place) input.incident_place = place;
  const date = opt(f.incident_date);
  if (date) input.incident_date = date;
  const assigned = opt(f.assigned_to);
  if (assigned) input.assigned_to = assigned;
  return input;
}

export function serializeDraft(f: IntakeForm): string {
  return JSON.stringify({ v: DRAFT_VERSION, form: f });
}

/**
 * Draft JSON → form, merged over `base` so fields added in a later version get
 * defaults and values of the wrong type are ignored. Null if unreadable.
 */
export function parseDraft(payload: string, base: IntakeForm): IntakeForm | null {
  let data: unknown;
  try {
    data = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const src = (data as { form?: unknown }).form;
  if (typeof src !== 'object' || src === null) return null;
  const out: IntakeForm = { ...base };
  const rec = src as Record<string, unknown>;
  for (const key of Object.keys(base) as (keyof IntakeForm)[]) {
    const v = rec[key];
    if (typeof v === typeof base[key]) (out as unknown as Record<string, unknown>)[key] = v;
  }
  return out;
}

/** Fields whose change may reveal a duplicate (same NIK/phone, similar text). */
export function duplicateKey(f: IntakeForm): string {
  return JSON.stringify([
    f.is_anonymous ? '' : f.reporter_nik.trim(),
    f.is_anonymous ? '' : f.reporter_phone.trim(),
    f.title.trim(),
    f.description.trim(),
  ]);
}

/** Worth asking for duplicate hints: an identity number or enough text. */
export function worthDuplicateCheck(f: IntakeForm): boolean {
  if (!f.is_anonymous && (f.reporter_nik.trim().length >= 16 || f.reporter_phone.replace(/\D/g, '').length >= 9)) {
    return true;
  }
  return f.description.trim().length >= 20 || f.title.trim().length >= 10;
}
