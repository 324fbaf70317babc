import type { Page } from 'playwright-core';

/**
 * The status page's layout checked in a real browser: every visible word is laid
 * out on one line (never broken inside), and inside the box that holds it (the
 * nearest table cell, definition, badge, button, figure or section) and the
 * viewport. Words are measured with DOM ranges, so a break anywhere shows as two
 * line boxes; the one break allowed is right after a hyphen ("branche-" /
 * "omschrijving"), as in print. Text inside a closed <details> is not shown and
 * not checked.
 *
 * The browser code is a string: vitest's transform would add helpers to a
 * function that do not exist in the page.
 */

export interface GeometryProblem {
  kind: 'broken-word' | 'outside-box' | 'outside-viewport';
  word: string;
  box: string;
}

const CHECK = `(() => {
  const BOX = 'td, th, dd, dt, .badge, button, summary, .count, .figure, section, header, footer, .login, pre';
  const problems = [];
  const lineOf = (node, i) => {
    const r = document.createRange();
    r.setStart(node, i);
    r.setEnd(node, i + 1);
    const rect = [...r.getClientRects()].find((x) => x.width > 0);
    return rect ? Math.round(rect.top) : null;
  };
  // True when every new line in the word starts right after a '-'.
  const onlyAfterHyphens = (node, start, word) => {
    for (let i = 1; i < word.length; i++) {
      const a = lineOf(node, start + i - 1), b = lineOf(node, start + i);
      if (a !== null && b !== null && a !== b && word[i - 1] !== '-') return false;
    }
    return true;
  };
  const viewport = document.documentElement.clientWidth;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const describe = (el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' "' + (el.textContent || '').trim().slice(0, 50) + '"';
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('style, title, script, head')) continue;
    const closed = parent.closest('details:not([open])');
    if (closed && !parent.closest('summary')) continue;
    const box = parent.closest(BOX);
    const boxRect = box ? box.getBoundingClientRect() : null;
    const text = node.textContent || '';
    for (const m of text.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      if (rects.length === 0) continue; // not rendered (a closed <details>, display:none)
      const lines = new Set(rects.map((r) => Math.round(r.top)));
      if (lines.size > 1 && !onlyAfterHyphens(node, m.index, m[0])) problems.push({ kind: 'broken-word', word: m[0], box: box ? describe(box) : 'body' });
      for (const r of rects) {
        if (r.left < -0.5 || r.right > viewport + 0.5) problems.push({ kind: 'outside-viewport', word: m[0], box: box ? describe(box) : 'body' });
        else if (boxRect && (r.left < boxRect.left - 0.5 || r.right > boxRect.right + 0.5 || r.top < boxRect.top - 0.5 || r.bottom > boxRect.bottom + 0.5))
          problems.push({ kind: 'outside-box', word: m[0], box: describe(box) });
      }
    }
  }
  return problems;
})()`;

export async function geometryProblems(page: Page): Promise<GeometryProblem[]> {
  return page.evaluate(CHECK) as Promise<GeometryProblem[]>;
}

/** The page's full height in CSS pixels. */
export async function pageHeight(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollHeight') as Promise<number>;
}

/** The visible text of the page (what a person reads; hidden details excluded). */
export async function visibleText(page: Page): Promise<string> {
  return page.evaluate('document.body.innerText') as Promise<string>;
}
