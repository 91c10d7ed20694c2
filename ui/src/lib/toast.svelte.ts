export type ToastKind = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

export const toasts = $state<Toast[]>([]);
let nextId = 1;

export function dismiss(id: number): void {
  const i = toasts.findIndex((x) => x.id === id);
  if (i >= 0) toasts.splice(i, 1);
}

export function toast(text: string, kind: ToastKind = 'info'): void {
  const id = nextId++;
  toasts.push({ id, kind, text });
  while (toasts.length > 4) toasts.shift();
  // Errors stay longer: they often explain what to do next.
  setTimeout(() => dismiss(id), kind === 'error' ? 10_000 : 4_000);
}

export function toastError(e: unknown): void {
  const text = e instanceof Error ? e.message : String(e);
  toast(text, 'error');
}
