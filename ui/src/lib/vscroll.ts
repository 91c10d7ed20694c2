// Virtual-scroll arithmetic for the register: which rows to render and which
// pages to fetch. Pure, so it is unit-tested without a DOM.

export interface Range {
  /** First row index to render (inclusive). */
  start: number;
  /** One past the last row index to render. */
  end: number;
}

/** Rows intersecting the viewport, widened by `overscan` rows each side and clamped to [0, total). */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  total: number,
  overscan: number,
): Range {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const first = Math.floor(top / rowHeight);
  const last = Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight);
  const start = Math.min(Math.max(0, first - overscan), total);
  const end = Math.min(total, Math.max(start, last + overscan));
  return { start, end };
}

/** Indexes of the pages (of `pageSize` rows) that cover `range`. */
export function pagesFor(range: Range, pageSize: number): number[] {
  if (range.end <= range.start || pageSize <= 0) return [];
  const first = Math.floor(range.start / pageSize);
  const last = Math.floor((range.end - 1) / pageSize);
  const out: number[] = [];
  for (let p = first; p <= last; p++) out.push(p);
  return out;
}

/** scrollTop that brings row `index` fully into view, or null if it already is. */
export function scrollToReveal(
  index: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
): number | null {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return null;
}

/** Rows that fit in the viewport, for PageUp/PageDown. */
export function rowsPerViewport(viewportHeight: number, rowHeight: number): number {
  return Math.max(1, Math.floor(viewportHeight / rowHeight));
}

/**
 * Cache of fetched pages for one query. A new query (filter change) gets a new
 * cache; responses for an old generation are dropped by the caller. Keeps at
 * most `maxPages` pages, evicting the least recently used.
 */
export class PageCache<T> {
  private pages = new Map<number, T[]>();
  private inflight = new Set<number>();

  constructor(readonly pageSize: number, readonly maxPages = 60) {}

  has(page: number): boolean {
    return this.pages.has(page);
  }

  isLoading(page: number): boolean {
    return this.inflight.has(page);
  }

  /** Pages among `wanted` that are neither cached nor being fetched. */
  missing(wanted: number[]): number[] {
    return wanted.filter((p) => !this.pages.has(p) && !this.inflight.has(p));
  }

  markLoading(page: number): void {
    this.inflight.add(page);
  }

  markFailed(page: number): void {
    this.inflight.delete(page);
  }

  put(page: number, rows: T[], keep: number[] = []): void {
    this.inflight.delete(page);
    this.pages.delete(page);
    this.pages.set(page, rows);
    if (this.pages.size > this.maxPages) {
      const protectedPages = new Set(keep);
      for (const p of this.pages.keys()) {
        if (this.pages.size <= this.maxPages) break;
        if (!protectedPages.has(p) && p !== page) this.pages.delete(p);
      }
    }
  }

  /** Row at absolute `index`, or undefined while its page is not loaded. */
  row(index: number): T | undefined {
    const page = Math.floor(index / this.pageSize);
    const rows = this.pages.get(page);
    if (!rows) return undefined;
    // Touch for LRU order.
    this.pages.delete(page);
    this.pages.set(page, rows);
    return rows[index - page * this.pageSize];
  }

  size(): number {
    return this.pages.size;
  }

  clear(): void {
    this.pages.clear();
    this.inflight.clear();
  }
}
