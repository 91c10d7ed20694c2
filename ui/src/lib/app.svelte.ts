// App-wide state: start phase, session, office settings, vocabulary, topics
// and the current screen. Screens read it; only the functions here change it.
import type { Actor, AppStatus, OfficeSettings, OfficeZone, ReplyTemplate, Topic, Vocabulary } from './bindings';
import { call, type IpcError } from './ipc';
import { setUiLang } from '../i18n/index.svelte';
import { resetRegister } from './register.svelte';
import { refreshSync, startSyncPolling, stopSyncPolling } from './sync.svelte';

export type Route =
  | { name: 'today' }
  | { name: 'register' }
  | { name: 'intake' }
  | { name: 'detail'; id: number; from?: 'today' | 'register' | 'intake' }
  | { name: 'settings' }
  | { name: 'sync' }
  | { name: 'monev' }
  | { name: 'visit'; id: number }
  | { name: 'help'; page?: string };

export type Phase = 'loading' | 'store-error' | 'setup' | 'signin' | 'ready' | 'locked';

const FALLBACK_VOCAB: Vocabulary = {
  kinds: ['aspirasi', 'pengaduan_tidak_berkadar_pengawasan', 'pengaduan_berkadar_pengawasan', 'permintaan_informasi'],
  channels: ['tatap_muka', 'telepon', 'sms', 'whatsapp', 'surat', 'kotak_saran', 'email', 'media_sosial', 'lapor'],
  statuses: ['received', 'verified', 'routed', 'in_follow_up', 'waiting_reporter', 'finished', 'postponed', 'forwarded', 'archived', 'rejected'],
  zones: ['WIB', 'WITA', 'WIT'],
  roles: ['petugas', 'kepala', 'admin', 'pemantau'],
};

interface AppState {
  phase: Phase;
  status: AppStatus | null;
  startError: string;
  user: Actor | null;
  office: OfficeSettings | null;
  vocab: Vocabulary;
  topics: Topic[];
  /** Reply templates; null until first needed. */
  templates: ReplyTemplate[] | null;
  route: Route;
  /** Bumped after every change to complaints, so cached lists know to refetch. */
  dataVersion: number;
  /** Bumped when the current screen's nav item is chosen again ("start over" for intake). */
  renav: number;
  /** Just after setup: offer to save the recovery key sheet. */
  recoveryPrompt: boolean;
}

export const app = $state<AppState>({
  phase: 'loading',
  status: null,
  startError: '',
  user: null,
  office: null,
  vocab: FALLBACK_VOCAB,
  topics: [],
  templates: null,
  route: { name: 'today' },
  dataVersion: 0,
  renav: 0,
  recoveryPrompt: false,
});

export function zone(): OfficeZone {
  return app.office?.zone ?? 'WIB';
}

export function navigate(route: Route): void {
  if (route.name === app.route.name && route.name !== 'detail') app.renav++;
  else app.route = route;
}

export function dataChanged(): void {
  app.dataVersion++;
  // A new or changed report may add to the send queue the header shows.
  if (app.user) void refreshSync();
}

function applyStatus(st: AppStatus): void {
  app.status = st;
  setUiLang(st.lang);
  app.office = st.setup?.office ?? null;
  if (!st.store_ready) {
    app.phase = 'store-error';
  } else if (!st.setup || !st.setup.has_unit || !st.setup.has_users) {
    app.phase = 'setup';
  } else if (st.user) {
    app.user = st.user;
    app.phase = 'ready';
    void afterSignIn();
  } else {
    app.phase = 'signin';
  }
}

async function loadVocabulary(): Promise<void> {
  try {
    app.vocab = await call('vocabulary');
  } catch {
    // The built-in lists are the same codes; labels come from the catalogs anyway.
  }
}

/** The store's key is lost from the keychain: open it with the recovery key. */
export async function openWithRecoveryKey(recoveryKey: string): Promise<void> {
  const st = await call('open_with_recovery_key', { recovery_key: recoveryKey });
  applyStatus(st);
  if (st.store_ready) void loadVocabulary();
}

export async function boot(retry = false): Promise<void> {
  try {
    const st = await call(retry ? 'retry_open' : 'app_status');
    applyStatus(st);
    if (st.store_ready) void loadVocabulary();
  } catch (e) {
    app.startError = (e as IpcError).message;
    app.phase = 'store-error';
  }
}

export async function loadTopics(): Promise<void> {
  try {
    app.topics = await call('topics');
  } catch {
    app.topics = [];
  }
}

export async function ensureTemplates(force = false): Promise<ReplyTemplate[]> {
  if (app.templates && !force) return app.templates;
  try {
    app.templates = await call('templates');
  } catch {
    app.templates = [];
  }
  return app.templates;
}

export async function loadOffice(): Promise<void> {
  try {
    app.office = await call('office_settings');
  } catch {
    // Keep what app_status gave.
  }
}

async function afterSignIn(): Promise<void> {
  startSyncPolling();
  startIdleWatch();
  await Promise.all([loadTopics(), loadOffice()]);
}

export function signedIn(actor: Actor): void {
  app.user = actor;
  app.route = { name: 'today' };
  app.phase = 'ready';
  void afterSignIn();
}

export async function signOut(): Promise<void> {
  try {
    await call('sign_out');
  } finally {
    stopSyncPolling();
    stopIdleWatch();
    app.user = null;
    app.topics = [];
    app.templates = null;
    resetRegister();
    app.route = { name: 'today' };
    app.dataVersion++;
    app.phase = 'signin';
  }
}

// ---- Idle lock ----------------------------------------------------------
// After `idle_lock_minutes` without a key, click or pointer move the window
// locks: the core forgets the session (no command works), the screen shows
// only the lock form, and the same user's password opens it again where it was.

const ACTIVITY = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;
let lastActivity = Date.now();
let idleTimer: ReturnType<typeof setInterval> | null = null;
let idleMinutes = 10;
/** Why the screen is locked: the idle time passed, or the user locked it. */
export const lockState = $state<{ reason: 'idle' | 'manual' }>({ reason: 'idle' });

function touchActivity(): void {
  lastActivity = Date.now();
}

export function idleLockMinutes(): number {
  return idleMinutes;
}

/** (Re)read the idle time from the security settings and start watching. */
export async function startIdleWatch(): Promise<void> {
  try {
    idleMinutes = (await call('security_settings')).idle_lock_minutes;
  } catch {
    // Keep the last known value.
  }
  lastActivity = Date.now();
  if (idleTimer) return;
  for (const ev of ACTIVITY) window.addEventListener(ev, touchActivity, { passive: true, capture: true });
  idleTimer = setInterval(() => {
    if (app.phase === 'ready' && Date.now() - lastActivity >= idleMinutes * 60_000) void lockScreen('idle');
  }, 5_000);
}

export function stopIdleWatch(): void {
  if (idleTimer) clearInterval(idleTimer);
  idleTimer = null;
  for (const ev of ACTIVITY) window.removeEventListener(ev, touchActivity, { capture: true });
}

/** Lock now (idle time passed, or "Kunci" in the header). */
export async function lockScreen(reason: 'idle' | 'manual' = 'manual'): Promise<void> {
  if (app.phase !== 'ready' || !app.user) return;
  lockState.reason = reason;
  app.phase = 'locked';
  stopSyncPolling();
  try {
    await call('sign_out');
  } catch {
    // The screen is locked either way; the next command needs a sign-in.
  }
}

/** The lock screen accepted the password: back where the user was. */
export function unlocked(actor: Actor): void {
  app.user = actor;
  app.phase = 'ready';
  lastActivity = Date.now();
  startSyncPolling();
  void startIdleWatch();
}

