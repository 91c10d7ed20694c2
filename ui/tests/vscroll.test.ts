import { describe, expect, it } from 'vitest';
import { PageCache, pagesFor, rowsPerViewport, scrollToReveal, visibleRange } from '../src/lib/vscroll';

describe('visibleRange', () => {
  it('covers the viewport plus overscan', () => {
    expect(visibleRange(0, 360, 36, 100_000, 5)).toEqual({ start: 0, end: 15 });
    expect(visibleRange(3600, 360, 36, 100_000, 5)).toEqual({ start: 95, end: 115 });
  });

  it('handles a partly visible first row', () => {
    expect(visibleRange(50, 100, 36, 1000, 0)).toEqual({ start: 1, end: 5 });
  });

  it('clamps to the total', () => {
    expect(visibleRange(36 * 99_990, 720, 36, 100_000, 8)).toEqual({ start: 99_982, end: 100_000 });
    expect(visibleRange(0, 720, 36, 3, 8)).toEqual({ start: 0, end: 3 });
    expect(visibleRange(10_000, 720, 36, 3, 8)).toEqual({ start: 3, end: 3 });
  });

  it('is empty without rows', () => {
    expect(visibleRange(0, 500, 36, 0, 8)).toEqual({ start: 0, end: 0 });
  });

  it('never renders more than about 60 rows on a tall window', () => {
    const r = visibleRange(123_456, 1080, 36, 100_000, 8);
    expect(r.end - r.start).toBeLessThanOrEqual(60);
  });

  it('treats negative scroll (elastic overscroll) as zero', () => {
    expect(visibleRange(-40, 360, 36, 100, 0)).toEqual({ start: 0, end: 10 });
  });
});

describe('pagesFor', () => {
  it('lists the pages covering a range', () => {
    expect(pagesFor({ start: 0, end: 30 }, 200)).toEqual([0]);
    expect(pagesFor({ start: 190, end: 230 }, 200)).toEqual([0, 1]);
    expect(pagesFor({ start: 400, end: 401 }, 200)).toEqual([2]);
    expect(pagesFor({ start: 5, end: 5 }, 200)).toEqual([]);
  });
});

describe('scroll helpers', () => {
  it('scrolls just enough to reveal a row', () => {
    expect(scrollToReveal(5, 0, 360, 36)).toBeNull();
    expect(scrollToReveal(10, 0, 360, 36)).toBe(36);
    expect(scrollToReveal(2, 360, 360, 36)).toBe(72);
  });

  it('counts rows per viewport', () => {
    expect(rowsPerViewport(360, 36)).toBe(10);
    expect(rowsPerViewport(10, 36)).toBe(1);
  });
});

describe('PageCache', () => {
  it('tracks loaded and in-flight pages', () => {
    const c = new PageCache<number>(3);
    expect(c.missing([0, 1])).toEqual([0, 1]);
    c.markLoading(0);
    expect(c.missing([0, 1])).toEqual([1]);
    c.put(0, [10, 11, 12]);
    expect(c.row(1)).toBe(11);
    expect(c.row(3)).toBeUndefined();
    c.markLoading(1);
    c.markFailed(1);
    expect(c.missing([0, 1])).toEqual([1]);
  });

  it('evicts least recently used pages but keeps the visible ones', () => {
    const c = new PageCache<number>(1, 2);
    c.put(0, [0]);
    c.put(1, [1]);
    c.row(0);
    c.put(2, [2], [1]);
    expect(c.has(1)).toBe(true);
    expect(c.has(2)).toBe(true);
    expect(c.size()).toBe(2);
  });
});
