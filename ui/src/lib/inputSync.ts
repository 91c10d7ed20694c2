// Svelte's bind:value listens to `input` events. Some ways of changing a field
// fire only `change` (WebDriver's "clear", some autofill and accessibility
// tools), which would leave the bound state stale and, for example, keep an
// erased NIK in the saved report. Re-announce such changes as `input`.
const TEXT_TYPES = new Set(['text', 'search', 'email', 'tel', 'url', 'password', 'number', 'date', 'datetime-local']);

export function installInputSync(doc: Document): void {
  doc.addEventListener(
    'change',
    (e) => {
      const el = e.target;
      const textLike =
        el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && TEXT_TYPES.has(el.type));
      if (textLike) el.dispatchEvent(new Event('input', { bubbles: true }));
    },
    true,
  );
}
