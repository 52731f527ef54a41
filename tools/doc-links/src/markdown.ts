/**
 * What a link check needs from a Markdown file: its links (with line
 * numbers) and the anchors its headings make. Fenced code blocks and inline
 * code are not Markdown, so links and headings inside them do not count.
 */

export interface Link {
  target: string;
  line: number;
}

export interface Outline {
  links: Link[];
  anchors: Set<string>;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/;
/** [text](target "title") and ![alt](target); the target may be in <…>. */
const INLINE_LINK = /!?\[(?:[^\][]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
/** [label]: target */
const DEFINITION = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/;
/** Explicit anchors: <a name="x"> or id="x" on an HTML element. */
const HTML_ANCHOR = /<[a-z][^>]*\s(?:name|id)="([^"]+)"/gi;
const INLINE_CODE = /(`+)[^`]*?\1/g;

/**
 * GitHub's anchor for a heading: the rendered text in lower case, with
 * everything but letters, digits, spaces, hyphens and underscores dropped,
 * spaces turned into hyphens. A repeated anchor gets -1, -2, … in order.
 */
export function slug(headingText: string): string {
  const rendered = headingText
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/`/g, '')
    .replace(/\*+/g, '') // emphasis
    .replace(/(^|\W)_+(?=\w)|(?<=\w)_+(?=\W|$)/g, '$1'); // _emphasis_, not FOO_BAR
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

export function outline(text: string): Outline {
  const links: Link[] = [];
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const opening = FENCE.exec(raw);
    if (fence !== undefined) {
      if (opening && opening[1]!.startsWith(fence)) fence = undefined;
      return;
    }
    if (opening) {
      fence = opening[1]!;
      return;
    }
    for (const m of raw.matchAll(HTML_ANCHOR)) anchors.add(m[1]!);
    const heading = HEADING.exec(raw);
    if (heading) {
      const base = slug(heading[1]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    const prose = raw.replace(INLINE_CODE, '');
    const definition = DEFINITION.exec(prose);
    if (definition) links.push({ target: unbracket(definition[1]!), line });
    for (const m of prose.matchAll(INLINE_LINK)) links.push({ target: unbracket(m[1]!), line });
  });
  return { links, anchors };
}

const unbracket = (target: string) => (target.startsWith('<') ? target.slice(1, -1) : target);
