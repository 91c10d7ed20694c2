// Report preview: the PDF the core made, drawn page by page on canvases with
// pdf.js (WebKitGTK shows no PDF inline). Strict CSP: the worker is a file of
// the app itself (served from 'self', like the scripts), nothing is evaluated
// from strings, no WebAssembly, nothing is fetched (the fonts are embedded).
import { getDocument, GlobalWorkerOptions, type PDFDocumentProxy } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

GlobalWorkerOptions.workerSrc = workerUrl;

export type PdfDoc = PDFDocumentProxy;

export async function openPdf(bytes: Uint8Array): Promise<PdfDoc> {
  return getDocument({
    data: bytes,
    isEvalSupported: false,
    useWasm: false,
    useWorkerFetch: false,
    useSystemFonts: false,
    enableXfa: false,
    stopAtErrors: true,
  }).promise;
}

/** Width ÷ height of page `n` (1-based), to reserve its place before drawing. */
export async function pageAspect(doc: PdfDoc, n: number): Promise<number> {
  const vp = (await doc.getPage(n)).getViewport({ scale: 1 });
  return vp.width / vp.height;
}

/** Draw page `n` into `canvas`, `cssWidth` pixels wide on screen (sharp on HiDPI). */
export async function renderPage(doc: PdfDoc, n: number, canvas: HTMLCanvasElement, cssWidth: number): Promise<void> {
  const page = await doc.getPage(n);
  const base = page.getViewport({ scale: 1 });
  const ratio = window.devicePixelRatio || 1;
  const viewport = page.getViewport({ scale: (cssWidth / base.width) * ratio });
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
  canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
  await page.render({ canvas, viewport }).promise;
}
