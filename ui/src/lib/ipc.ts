// The only module that talks to the Rust core. Every command takes its argument
// as one parameter named `input`; commands without input are invoked with `{}`.
import { Channel, invoke } from '@tauri-apps/api/core';
import type { Commands, ExportProgress, FieldMessage } from './bindings';

export type Command = keyof Commands;
export type Input<K extends Command> = Commands[K]['input'];
export type Output<K extends Command> = Commands[K]['output'];
type Args<K extends Command> = Input<K> extends null ? [] : [input: Input<K>];

/** A rejected command: the core's `{code, message, fields}` with `message` already localised. */
export class IpcError extends Error {
  readonly code: string;
  readonly fields: FieldMessage[];

  constructor(code: string, message: string, fields: FieldMessage[] = []) {
    super(message);
    this.name = 'IpcError';
    this.code = code;
    this.fields = fields;
  }

  /** field name → message, first message per field wins. */
  fieldMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of this.fields) if (!(f.field in out)) out[f.field] = f.message;
    return out;
  }
}

function isPayload(v: unknown): v is { code: string; message: string; fields?: FieldMessage[] } {
  return typeof v === 'object' && v !== null && typeof (v as { code?: unknown }).code === 'string'
    && typeof (v as { message?: unknown }).message === 'string';
}

/** Normalise whatever a rejected invoke produced (payload, string from Tauri itself, JS error). */
export function toIpcError(e: unknown): IpcError {
  if (e instanceof IpcError) return e;
  if (isPayload(e)) return new IpcError(e.code, e.message, Array.isArray(e.fields) ? e.fields : []);
  if (typeof e === 'string') return new IpcError('IPC', e);
  if (e instanceof Error) return new IpcError('IPC', e.message);
  return new IpcError('IPC', String(e));
}

export async function call<K extends Command>(cmd: K, ...args: Args<K>): Promise<Output<K>> {
  try {
    return await invoke<Output<K>>(cmd, args.length > 0 ? { input: args[0] } : {});
  } catch (e) {
    throw toIpcError(e);
  }
}

/** The exports that report progress (rows done / total) on a channel while they run. */
export type ExportCommand = 'save_register_export' | 'save_monev_export' | 'save_visits_export';

/**
 * An export with progress: the shell runs it off the UI thread and sends `{done, total}` every few
 * hundred rows; `call('cancel_export')` stops it (answered with code CANCELLED, no file written).
 */
export async function callExport<K extends ExportCommand>(
  cmd: K,
  input: Input<K>,
  onProgress: (p: ExportProgress) => void,
): Promise<Output<K>> {
  const channel = new Channel<ExportProgress>();
  channel.onmessage = onProgress;
  try {
    return await invoke<Output<K>>(cmd, { input, onProgress: channel });
  } catch (e) {
    throw toIpcError(e);
  }
}
