import { describe, expect, it } from 'vitest';
import { IpcError, toIpcError } from '../src/lib/ipc';

describe('toIpcError', () => {
  it('keeps the core payload', () => {
    const e = toIpcError({
      code: 'VALIDATION',
      message: 'Ada 2 isian yang perlu diperbaiki.',
      fields: [
        { field: 'title', code: 'required', message: 'Judul wajib diisi.' },
        { field: 'title', code: 'too_long', message: 'kedua' },
        { field: 'reporter_nik', code: 'nik_length', message: 'NIK harus 16 digit.' },
      ],
    });
    expect(e).toBeInstanceOf(IpcError);
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toBe('Ada 2 isian yang perlu diperbaiki.');
    expect(e.fieldMap()).toEqual({ title: 'Judul wajib diisi.', reporter_nik: 'NIK harus 16 digit.' });
  });

  it('wraps strings and errors from the IPC layer itself', () => {
    expect(toIpcError('command sign_in not allowed').code).toBe('IPC');
    expect(toIpcError(new TypeError('boom')).message).toBe('boom');
    expect(toIpcError({ code: 'X', message: 'm' }).fields).toEqual([]);
  });
});
