// Register screen state that outlives the component, so going to a detail and
// back keeps the filter, scroll position, selection and already fetched pages.
import type { ComplaintRow } from './bindings';
import { PageCache } from './vscroll';
import { defaultFilter, type RegisterFilter } from './registerFilter';

export const PAGE_SIZE = 200;

export const register = $state({
  filter: defaultFilter() as RegisterFilter,
  scrollTop: 0,
  selected: 0,
});

/** Non-reactive: the component bumps its own counter when pages arrive. */
export const registerCache = {
  key: '',
  dataVersion: -1,
  total: 0,
  /** Search answers of the current query (see RegisterPage). */
  didYouMean: null as string | null,
  more: false,
  cache: new PageCache<ComplaintRow>(PAGE_SIZE),
};

export function showRegisterWith(patch: Partial<RegisterFilter>): void {
  register.filter = { ...defaultFilter(), ...patch };
  register.scrollTop = 0;
  register.selected = 0;
}

/** Forget everything on sign-out: the next user may see a different register. */
export function resetRegister(): void {
  register.filter = defaultFilter();
  register.scrollTop = 0;
  register.selected = 0;
  registerCache.key = '';
  registerCache.dataVersion = -1;
  registerCache.total = 0;
  registerCache.didYouMean = null;
  registerCache.more = false;
  registerCache.cache = new PageCache<ComplaintRow>(PAGE_SIZE);
}
