// Sync state for the header indicator and the sync page. Polls the core:
// quickly while a background run is going (progress), slowly otherwise.
import type { SyncJobView, SyncOverview } from './bindings';
import { call } from './ipc';
import { dataChanged } from './app.svelte';
import { toast, toastError } from './toast.svelte';
import { t } from '../i18n/index.svelte';

const FAST_MS = 1_000;
const SLOW_MS = 30_000;

interface SyncState {
  overview: SyncOverview | null;
  /** Bumped after every refresh so open lists (attempt logs) can follow. */
  version: number;
}

export const sync = $state<SyncState>({ overview: null, version: 0 });

let timer: ReturnType<typeof setTimeout> | null = null;
let wasRunning = false;

/** Items still to go: not sent yet, on the wire, or waiting for a check. */
export function unsentCount(o: SyncOverview | null): number {
  if (!o) return 0;
  const c = o.status.counts;
  return c.pending + c.sending + c.unknown + c.quarantined;
}

/** 0..1 while running: how much of what was queued at start has left the queue. */
export function progress(o: SyncOverview | null): number | null {
  if (!o?.job.running) return null;
  const start = o.job.queued_at_start;
  if (start === 0) return null;
  const c = o.status.counts;
  const left = c.pending + c.sending + c.unknown;
  return Math.min(1, Math.max(0, (start - left) / start));
}

function finished(job: SyncJobView): void {
  dataChanged();
  if (job.automatic) return;
  if (job.last_error) {
    toast(job.last_error.message, 'error');
    return;
  }
  const s = job.last_summary;
  if (!s) return;
  if (s.stopped === 'unauthorized') toast(t('sync.stopped_unauthorized'), 'error');
  else if (s.cancelled) toast(t('sync.cancelled'), 'info');
  else
    toast(
      t('sync.done', { sent: s.sent + s.adopted, pulled: s.pulled, left: s.retried + s.unknown + s.quarantined }),
      s.retried + s.unknown + s.quarantined > 0 ? 'info' : 'success',
    );
  if (s.clock_warning) toast(t('sync.clock_warning', { secs: Math.abs(s.clock_skew_secs ?? 0) }), 'error');
}

export async function refreshSync(): Promise<void> {
  try {
    const o = await call('sync_overview');
    sync.overview = o;
    sync.version++;
    if (wasRunning && !o.job.running) finished(o.job);
    wasRunning = o.job.running;
  } catch {
    // Signed out or store closed: the next sign-in starts polling again.
  }
}

function schedule(): void {
  if (timer) clearTimeout(timer);
  const ms = sync.overview?.job.running ? FAST_MS : SLOW_MS;
  timer = setTimeout(() => {
    void refreshSync().then(schedule);
  }, ms);
}

export function startSyncPolling(): void {
  void refreshSync().then(schedule);
}

export function stopSyncPolling(): void {
  if (timer) clearTimeout(timer);
  timer = null;
  sync.overview = null;
  wasRunning = false;
}

export async function syncNow(): Promise<void> {
  try {
    const job = await call('sync_now');
    wasRunning = true;
    if (sync.overview) sync.overview.job = job;
    schedule();
  } catch (e) {
    toastError(e);
  }
}

export async function cancelSync(): Promise<void> {
  try {
    await call('sync_cancel');
  } catch (e) {
    toastError(e);
  }
}
