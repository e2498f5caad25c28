// Every relative link in the repository's Markdown (README.md, docs/, and the
// other .md files) points at a file that exists, and a link to a heading
// (`page.md#some-heading`, `#some-heading`) at a heading that exists, with
// GitHub's rules for heading anchors. Links inside code are not links.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../ship/process.js';

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'test-artifacts', 'coverage', '.tmp']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIP_DIRS.has(name) ? [] : markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** The page without fenced blocks and inline code, where brackets are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '``');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text only
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

const anchorCache = new Map<string, Set<string>>();

/** Every anchor a page offers: its headings (numbered when repeated) and explicit ids. */
function anchors(file: string): Set<string> {
  let found = anchorCache.get(file);
  if (found) return found;
  found = new Set<string>();
  const markdown = readFileSync(file, 'utf8').replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  const seen = new Map<string, number>();
  for (const match of markdown.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(match[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const match of markdown.matchAll(/<[^>]+\s(?:id|name)="([^"]+)"/g)) found.add(match[1]!);
  anchorCache.set(file, found);
  return found;
}

interface Link {
  file: string;
  target: string;
}

function links(file: string): Link[] {
  const text = prose(readFileSync(file, 'utf8'));
  const targets = [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/<(?:img|a)\s[^>]*(?:src|href)="([^"]+)"/g)].map((m) => m[1]!),
  ];
  return targets.map((target) => ({ file, target }));
}

/** What is wrong with a link, or undefined when it resolves. */
function problem({ file, target }: Link): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: ...
  const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
  const path = decodeURIComponent(pathPart);
  const resolved = path === '' ? file : join(dirname(file), path);
  if (!resolved.startsWith(ROOT)) return `${target} leaves the repository`;
  if (!existsSync(resolved)) return `${target}: no such file (${relative(ROOT, resolved)})`;
  if (anchor !== undefined && anchor !== '' && resolved.endsWith('.md')) {
    if (!anchors(resolved).has(decodeURIComponent(anchor))) {
      return `${target}: ${relative(ROOT, resolved)} has no heading with the anchor #${anchor}`;
    }
  }
  return undefined;
}

describe('Markdown links', () => {
  const files = markdownFiles(ROOT);

  it('covers the README and the docs/ pages', () => {
    const names = files.map((f) => relative(ROOT, f));
    expect(names).toContain('README.md');
    expect(names.filter((n) => n.startsWith('docs/')).length).toBeGreaterThan(3);
  });

  it('makes anchors the way GitHub does', () => {
    expect(slug('The rest of Togai: `--fallback-spec`')).toBe('the-rest-of-togai---fallback-spec');
    expect(slug('`Prefer: code=NNN`')).toBe('prefer-codennn');
    expect(slug('Set-up: two commands')).toBe('set-up-two-commands');
  });

  it('resolve, relative link by relative link', () => {
    const all = files.flatMap(links);
    expect(all.length).toBeGreaterThan(20);
    const broken = all.flatMap((link) => {
      const why = problem(link);
      return why === undefined ? [] : [`${relative(ROOT, link.file)}: ${why}`];
    });
    expect(broken, `broken links:\n  ${broken.join('\n  ')}\n`).toEqual([]);
  });
});
