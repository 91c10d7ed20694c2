// Labels for the core's codes, from the translation catalogs.
import type {
  Action, Channel, DeadlineStep, DuplicateHint, DuplicateReason, FollowUpState, HolidayKind, Kind, OfficeZone, Role, Status,
} from './bindings';
import { has, t } from '../i18n/index.svelte';

export const statusLabel = (s: Status) => t(`status.${s}`);
export const kindLabel = (k: Kind) => t(`kind.${k}`);
export const kindShort = (k: Kind) => t(`kind_short.${k}`);
export const channelLabel = (c: Channel) => t(`channel.${c}`);
export const roleLabel = (r: Role) => t(`role.${r}`);
export const actionLabel = (a: Action) => t(`action.${a}`);
export const zoneLabel = (z: OfficeZone) => t(`zone.${z}`);
export const stepLabel = (s: DeadlineStep) => t(`step.${s}`);
export const followUpStateLabel = (s: FollowUpState) => t(`followup_state.${s}`);
export const holidayKindLabel = (k: HolidayKind) => t(`holiday_kind.${k}`);
export const duplicateReasonLabel = (r: DuplicateReason) => t(`duplicate_reason.${r}`);

/** A duplicate hint's reasons with the similarity share: "Nomor HP sama, isi mirip 82 %". */
export function duplicateReasonsText(h: Pick<DuplicateHint, 'reasons' | 'similarity'>): string {
  return h.reasons
    .map((r) => (r === 'similar_text' ? t('duplicate_reason.similar_text_pct', { n: h.similarity }) : duplicateReasonLabel(r)))
    .join(', ');
}

/** Timeline event kinds are free strings in the core; unknown ones show as written. */
export function eventLabel(kind: string): string {
  const key = `event.${kind}`;
  return has(key) ? t(key) : kind;
}

/** Actions whose note is required by the core (posko-domain Action::needs_note). */
export const NOTE_REQUIRED: ReadonlySet<Action> = new Set<Action>(['postpone', 'forward', 'archive', 'reject', 'reopen']);
