// Rules the code base keeps by construction; checked by reading the sources.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import id from '../src/i18n/id.json';

const SRC = join(__dirname, '..', 'src');

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

const all = files(SRC);
const code = all.filter((f) => /\.(ts|svelte|js)$/.test(f));
const svelte = all.filter((f) => f.endsWith('.svelte'));
const rel = (f: string) => relative(SRC, f).replaceAll('\\', '/');

describe('IPC boundary', () => {
  it('only lib/ipc.ts imports @tauri-apps/api', () => {
    const offenders = code
      .filter((f) => rel(f) !== 'lib/ipc.ts')
      .filter((f) => /@tauri-apps\/api/.test(readFileSync(f, 'utf8')));
    expect(offenders.map(rel)).toEqual([]);
  });

  it('lib/bindings.ts is the generated file', () => {
    expect(readFileSync(join(SRC, 'lib', 'bindings.ts'), 'utf8')).toMatch(/^\/\/ GENERATED/);
  });
});

describe('user text is never rendered as HTML', () => {
  it('no {@html} in any component', () => {
    const offenders = svelte.filter((f) => /\{@html\b/.test(readFileSync(f, 'utf8')));
    expect(offenders.map(rel)).toEqual([]);
  });

  it('no innerHTML / insertAdjacentHTML / eval anywhere', () => {
    const offenders = code.filter((f) => /\.innerHTML\s*=|insertAdjacentHTML|\beval\(|new Function\(/.test(readFileSync(f, 'utf8')));
    expect(offenders.map(rel)).toEqual([]);
  });
});

/** Markup of a component without scripts, styles, comments and {expressions}. */
function markup(src: string): string {
  return src
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '');
}

function stripExpressions(s: string): string {
  let out = '';
  let depth = 0;
  for (const ch of s) {
    if (ch === '{') depth++;
    else if (ch === '}') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  return out;
}

describe('all user-visible text comes from the catalogs', () => {
  it('components contain no literal text between tags', () => {
    const offenders: string[] = [];
    for (const f of svelte) {
      const text = stripExpressions(markup(readFileSync(f, 'utf8')));
      for (const m of text.matchAll(/>([^<>]*)</g)) {
        if (/\p{L}/u.test(m[1])) offenders.push(`${rel(f)}: "${m[1].trim()}"`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('components contain no literal text in labelling attributes', () => {
    const offenders: string[] = [];
    for (const f of svelte) {
      const m = markup(readFileSync(f, 'utf8'));
      for (const a of m.matchAll(/\s(placeholder|title|aria-label|alt|label)="([^"]*)"/g)) {
        if (/\p{L}/u.test(stripExpressions(a[2]))) offenders.push(`${rel(f)}: ${a[1]}="${a[2]}"`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('every literal t() key exists in the catalog', () => {
    const missing: string[] = [];
    for (const f of code) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([a-z0-9_.]+)'/g)) {
        if (!(m[1] in (id as Record<string, string>))) missing.push(`${rel(f)}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every user-text element declares dir="auto"', () => {
    const offenders: string[] = [];
    for (const f of svelte) {
      for (const m of markup(readFileSync(f, 'utf8')).matchAll(/<[a-z]+[^>]*class="[^"]*\busertext\b[^"]*"[^>]*>/g)) {
        if (!/dir="auto"/.test(m[0])) {
          offenders.push(`${rel(f)}: ${m[0].slice(0, 80)}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
