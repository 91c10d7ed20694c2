// The user guide (docs/panduan/*.md) read into plain data for the Bantuan screen.
//
// Only the small Markdown subset the guide uses: headings (#, ##, ###), paragraphs,
// "- " and "1. " lists, "> " notes, **bold**, `code`, images ![alt](gambar/x.png) and
// links [text](page.md#anchor). The result is data (strings in typed nodes), rendered by
// Svelte as text nodes: nothing in a file is ever interpreted as HTML, so "<b>" in the
// guide shows as "<b>". Links leaving the guide become plain text (the app never goes
// online for its help).

export type Inline =
  | { t: 'text'; text: string }
  | { t: 'strong'; text: string }
  | { t: 'code'; text: string }
  | { t: 'link'; text: string; page: string; anchor: string }
  | { t: 'img'; alt: string; src: string };

export type Block =
  | { t: 'h'; level: 1 | 2 | 3; text: string; id: string }
  | { t: 'p'; inl: Inline[] }
  | { t: 'note'; inl: Inline[] }
  | { t: 'ul'; items: Inline[][] }
  | { t: 'ol'; start: number; items: Inline[][] }
  | { t: 'img'; alt: string; src: string };

/** A heading's anchor: lower case, letters and digits joined by "-". */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

/** A guide page's name from a link target ("petugas.md#cari" -> "petugas"); "" when it leaves the guide. */
function guideTarget(href: string): { page: string; anchor: string } | null {
  const m = /^(?:\.\/)?(?:([A-Za-z0-9_-]+)\.md)?(?:#([\p{L}\p{N}-]*))?$/u.exec(href.trim());
  if (!m || (m[1] === undefined && m[2] === undefined)) return null;
  return { page: m[1] ?? '', anchor: m[2] ?? '' };
}

const INLINE = /!\[([^\]]*)\]\(([^)\s]*)\)|\[([^\]]+)\]\(([^)\s]*)\)|\*\*(.+?)\*\*|`([^`]+)`/g;

/** Inline markup of one paragraph or list item. */
export function inline(src: string): Inline[] {
  const out: Inline[] = [];
  const text = (s: string) => {
    if (!s) return;
    const last = out[out.length - 1];
    if (last?.t === 'text') last.text += s;
    else out.push({ t: 'text', text: s });
  };
  let at = 0;
  for (const m of src.matchAll(INLINE)) {
    text(src.slice(at, m.index));
    at = m.index + m[0].length;
    if (m[2] !== undefined) out.push({ t: 'img', alt: m[1], src: m[2] });
    else if (m[4] !== undefined) {
      const target = guideTarget(m[4]);
      if (target) out.push({ t: 'link', text: m[3], ...target });
      else text(m[3]);
    } else if (m[5] !== undefined) out.push({ t: 'strong', text: m[5] });
    else out.push({ t: 'code', text: m[6] });
  }
  text(src.slice(at));
  return out;
}

/** One guide page as blocks. */
export function parse(md: string): Block[] {
  const blocks: Block[] = [];
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  let para: string[] = [];
  let list: { t: 'ul' | 'ol'; start: number; items: string[] } | null = null;
  let note: string[] = [];

  const flush = () => {
    if (para.length) blocks.push({ t: 'p', inl: inline(para.join(' ')) });
    if (note.length) blocks.push({ t: 'note', inl: inline(note.join(' ')) });
    if (list) {
      const items = list.items.map(inline);
      blocks.push(list.t === 'ul' ? { t: 'ul', items } : { t: 'ol', start: list.start, items });
    }
    para = [];
    note = [];
    list = null;
  };

  for (const raw of lines) {
    const line = raw.trimEnd();
    let m: RegExpExecArray | null;
    if (line.trim() === '') {
      flush();
    } else if ((m = /^(#{1,3})\s+(.*)$/.exec(line))) {
      flush();
      const text = inline(m[2])
        .map((n) => ('text' in n ? n.text : n.alt))
        .join('');
      blocks.push({ t: 'h', level: m[1].length as 1 | 2 | 3, text, id: slug(text) });
    } else if ((m = /^!\[([^\]]*)\]\(([^)\s]*)\)$/.exec(line.trim()))) {
      flush();
      blocks.push({ t: 'img', alt: m[1], src: m[2] });
    } else if ((m = /^>\s?(.*)$/.exec(line))) {
      if (para.length || list) flush();
      note.push(m[1]);
    } else if ((m = /^[-*]\s+(.*)$/.exec(line))) {
      if (!list || list.t !== 'ul') flush();
      list ??= { t: 'ul', start: 1, items: [] };
      list.items.push(m[1]);
    } else if ((m = /^(\d{1,3})[.)]\s+(.*)$/.exec(line))) {
      if (!list || list.t !== 'ol') flush();
      list ??= { t: 'ol', start: Number(m[1]), items: [] };
      list.items.push(m[2]);
    } else if (list && /^\s+\S/.test(line)) {
      list.items[list.items.length - 1] += ' ' + line.trim();
    } else {
      if (list || note.length) flush();
      para.push(line.trim());
    }
  }
  flush();
  return blocks;
}

/** The page's first heading (its title in the guide's menu). */
export function title(blocks: Block[], fallback: string): string {
  const h = blocks.find((b) => b.t === 'h');
  return h && h.t === 'h' ? h.text : fallback;
}

/** "../../docs/panduan/gambar/x.png" or "gambar/x.png" -> "x.png". */
export function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
