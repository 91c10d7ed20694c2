// File ↔ base64 for attachments, logo and CSV import.

export function readAsBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => {
      const url = String(r.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    r.onerror = () => reject(r.error ?? new Error('read failed'));
    r.readAsDataURL(file);
  });
}

export function readAsText(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error('read failed'));
    r.readAsText(file, 'utf-8');
  });
}

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function base64ToBlobUrl(b64: string, mime: string): string {
  return URL.createObjectURL(new Blob([base64ToBytes(b64)], { type: mime }));
}

export const isImage = (mime: string) => /^image\/(png|jpe?g|gif|webp)$/i.test(mime);
export const isPdf = (mime: string) => mime.toLowerCase() === 'application/pdf';
