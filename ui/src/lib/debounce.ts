export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  cancel(): void;
  /** Run the pending call now, if any. */
  flush(): void;
  pending(): boolean;
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last: A | null = null;
  const run = () => {
    timer = null;
    const a = last;
    last = null;
    if (a) fn(...a);
  };
  const d = ((...args: A) => {
    last = args;
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, ms);
  }) as Debounced<A>;
  d.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    last = null;
  };
  d.flush = () => {
    if (timer) {
      clearTimeout(timer);
      run();
    }
  };
  d.pending = () => timer !== null;
  return d;
}
