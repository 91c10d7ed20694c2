// The UI's language: a reactive current language and `t()`. Components call
// `t()` in markup; reading `i18n.lang` inside it makes every label re-render
// when the language changes.
import en from './en.json';
import id from './id.json';
import { translate, type Catalog, type Params } from './translate';

export type UiLang = 'id' | 'en';

export const catalogs: Record<UiLang, Catalog> = { id, en };

export const i18n = $state<{ lang: UiLang }>({ lang: 'id' });

export function setUiLang(lang: UiLang): void {
  i18n.lang = lang;
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
}

export function t(key: string, params?: Params): string {
  return translate(catalogs[i18n.lang], catalogs.id, key, params);
}

/** Whether a catalog key exists (for optional labels such as event kinds). */
export function has(key: string): boolean {
  return key in catalogs[i18n.lang];
}
