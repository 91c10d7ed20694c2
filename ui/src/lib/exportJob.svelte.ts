// The one export running from this window (register, monev indicators, visits): its progress for
// the progress bar, and the way to cancel it. Components start exports here, never through IPC.
import type { ExportProgress } from './bindings';
import { call, callExport, IpcError, type ExportCommand, type Input, type Output } from './ipc';

export const exportJob = $state<{ running: boolean; done: number; total: number; cancelling: boolean }>({
  running: false,
  done: 0,
  total: 0,
  cancelling: false,
});

/** Run an export with progress; the saved path, `null` when the dialog was cancelled. */
export async function runExport<K extends ExportCommand>(cmd: K, input: Input<K>): Promise<Output<K>> {
  exportJob.running = true;
  exportJob.cancelling = false;
  exportJob.done = 0;
  exportJob.total = 0;
  try {
    return await callExport(cmd, input, (p: ExportProgress) => {
      exportJob.done = p.done;
      exportJob.total = p.total;
    });
  } finally {
    exportJob.running = false;
    exportJob.cancelling = false;
  }
}

export async function cancelExport(): Promise<void> {
  exportJob.cancelling = true;
  await call('cancel_export');
}

/** A cancelled export (nothing was written): told as information, not as an error. */
export function exportCancelled(e: unknown): boolean {
  return e instanceof IpcError && e.code === 'CANCELLED';
}
