import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inline, parse, slug, title } from '../src/lib/panduan';

describe('guide renderer', () => {
  it('reads headings, paragraphs, lists, notes and images', () => {
    const blocks = parse(
      [
        '# Panduan Petugas',
        '',
        'Baris satu',
        'baris dua **tebal**.',
        '',
        '1. Klik **Catat**.',
        '2. Isi judul',
        '   dan isi.',
        '',
        '- satu',
        '- dua',
        '',
        '> Tip: simpan.',
        '',
        '![Layar Hari ini](gambar/a--today-empty.png)',
      ].join('\n'),
    );
    expect(blocks).toEqual([
      { t: 'h', level: 1, text: 'Panduan Petugas', id: 'panduan-petugas' },
      { t: 'p', inl: [{ t: 'text', text: 'Baris satu baris dua ' }, { t: 'strong', text: 'tebal' }, { t: 'text', text: '.' }] },
      {
        t: 'ol',
        start: 1,
        items: [
          [{ t: 'text', text: 'Klik ' }, { t: 'strong', text: 'Catat' }, { t: 'text', text: '.' }],
          [{ t: 'text', text: 'Isi judul dan isi.' }],
        ],
      },
      { t: 'ul', items: [[{ t: 'text', text: 'satu' }], [{ t: 'text', text: 'dua' }]] },
      { t: 'note', inl: [{ t: 'text', text: 'Tip: simpan.' }] },
      { t: 'img', alt: 'Layar Hari ini', src: 'gambar/a--today-empty.png' },
    ]);
  });

  it('keeps markup in the text as text', () => {
    const evil = '<img src=x onerror="alert(1)"> <script>alert(2)</script> <b>tebal</b>';
    const blocks = parse(`# <i>Judul</i>\n\n${evil}\n\n- <a href="javascript:alert(3)">x</a>`);
    expect(blocks[0]).toEqual({ t: 'h', level: 1, text: '<i>Judul</i>', id: 'i-judul-i' });
    expect(blocks[1]).toEqual({ t: 'p', inl: [{ t: 'text', text: evil }] });
    expect(blocks[2]).toEqual({ t: 'ul', items: [[{ t: 'text', text: '<a href="javascript:alert(3)">x</a>' }]] });
  });

  it('links inside the guide only; others become plain text', () => {
    expect(inline('[Petugas](petugas.md) [Cari](petugas.md#cari-pengaduan) [atas](#mulai)')).toEqual([
      { t: 'link', text: 'Petugas', page: 'petugas', anchor: '' },
      { t: 'text', text: ' ' },
      { t: 'link', text: 'Cari', page: 'petugas', anchor: 'cari-pengaduan' },
      { t: 'text', text: ' ' },
      { t: 'link', text: 'atas', page: '', anchor: 'mulai' },
    ]);
    expect(inline('[LAPOR](https://www.lapor.go.id) [x](javascript:alert`1`) [y](data:text/html,z)')).toEqual([{ t: 'text', text: 'LAPOR x y' }]);
  });

  it('makes anchors from Indonesian headings', () => {
    expect(slug('Keamanan dan cadangan')).toBe('keamanan-dan-cadangan');
    expect(slug('1. Mulai pertama kali')).toBe('1-mulai-pertama-kali');
    expect(title(parse('teks\n\n## Judul'), 'x')).toBe('Judul');
  });

  it('every page of docs/panduan links only to pages and images that exist', () => {
    const dir = join(__dirname, '..', '..', 'docs', 'panduan');
    const pages = readdirSync(dir).filter((f) => f.endsWith('.md'));
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'petugas.md', 'kepala.md', 'pemantau.md']));
    const names = new Set(pages.map((f) => f.replace(/\.md$/, '')));
    const images = new Set(readdirSync(join(dir, 'gambar')));
    const broken: string[] = [];
    for (const f of pages) {
      for (const b of parse(readFileSync(join(dir, f), 'utf8'))) {
        const inl = b.t === 'p' || b.t === 'note' ? b.inl : b.t === 'ul' || b.t === 'ol' ? b.items.flat() : [];
        for (const n of inl) if (n.t === 'link' && n.page && !names.has(n.page)) broken.push(`${f}: ${n.page}`);
        const imgs = b.t === 'img' ? [b.src] : inl.flatMap((n) => (n.t === 'img' ? [n.src] : []));
        for (const src of imgs) if (!images.has(src.replace(/^gambar\//, ''))) broken.push(`${f}: ${src}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
