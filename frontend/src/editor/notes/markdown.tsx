// A small markdown subset for sticky notes, rendered as React elements and never as HTML: whatever a note
// holds (`<img onerror=…>`, `<script>`) reaches the page as text, because React escapes every string it is given.
import type { ReactNode } from 'react';

// Links may go to the web or to mail only: `javascript:` and `data:` URLs stay text.
const SAFE_URL = /^(https?:\/\/|mailto:)/i;
const INLINE = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\*[^*\n]+\*|_[^_\n]+_)|(\[[^\]\n]+\]\([^)\s]+\))/;

/** Code, bold, italic and links within one line of text. */
export function renderInline(text: string, key = 'i'): ReactNode[] {
  const out: ReactNode[] = [];
  let rest = text;
  let n = 0;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) {
      out.push(rest);
      break;
    }
    if (m.index > 0) out.push(rest.slice(0, m.index));
    const token = m[0];
    const k = `${key}.${n++}`;
    if (m[1]) out.push(<code key={k}>{token.slice(1, -1)}</code>);
    else if (m[2]) out.push(<strong key={k}>{renderInline(token.slice(2, -2), k)}</strong>);
    else if (m[3]) out.push(<em key={k}>{renderInline(token.slice(1, -1), k)}</em>);
    else {
      const split = token.indexOf('](');
      const label = token.slice(1, split);
      const href = token.slice(split + 2, -1);
      out.push(
        SAFE_URL.test(href) ? (
          <a key={k} href={href} target="_blank" rel="noopener noreferrer nofollow">
            {label}
          </a>
        ) : (
          token
        ),
      );
    }
    rest = rest.slice(m.index + token.length);
  }
  return out;
}

type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'list'; ordered: boolean; items: string[] }
  | { kind: 'code'; text: string }
  | { kind: 'quote'; text: string }
  | { kind: 'paragraph'; lines: string[] };

function blocksOf(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('```')) {
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i]);
      blocks.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    const heading = /^(#{1,3})\s+(.*)$/.exec(line);
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1].length as 1 | 2 | 3, text: heading[2] });
      continue;
    }
    const item = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
    if (item) {
      const ordered = !item[1];
      const last = blocks[blocks.length - 1];
      if (last?.kind === 'list' && last.ordered === ordered) last.items.push(item[3]);
      else blocks.push({ kind: 'list', ordered, items: [item[3]] });
      continue;
    }
    if (line.startsWith('>')) {
      blocks.push({ kind: 'quote', text: line.replace(/^>\s?/, '') });
      continue;
    }
    if (!line.trim()) {
      blocks.push({ kind: 'paragraph', lines: [] });
      continue;
    }
    const last = blocks[blocks.length - 1];
    if (last?.kind === 'paragraph' && last.lines.length) last.lines.push(line);
    else blocks.push({ kind: 'paragraph', lines: [line] });
  }
  return blocks.filter((b) => b.kind !== 'paragraph' || b.lines.length > 0);
}

/** Headings (#, ##, ###), lists (-, *, 1.), quotes (>), code fences, and inline code, bold, italic, links. */
export function Markdown({ source }: { source: string }) {
  return (
    <>
      {blocksOf(source).map((b, i) => {
        const k = `b${i}`;
        switch (b.kind) {
          case 'heading': {
            const Tag = (['h3', 'h4', 'h5'] as const)[b.level - 1];
            return <Tag key={k}>{renderInline(b.text, k)}</Tag>;
          }
          case 'list': {
            const Tag = b.ordered ? 'ol' : 'ul';
            return (
              <Tag key={k}>
                {b.items.map((item, j) => (
                  <li key={j}>{renderInline(item, `${k}.${j}`)}</li>
                ))}
              </Tag>
            );
          }
          case 'code':
            return (
              <pre key={k}>
                <code>{b.text}</code>
              </pre>
            );
          case 'quote':
            return <blockquote key={k}>{renderInline(b.text, k)}</blockquote>;
          case 'paragraph':
            return (
              <p key={k}>
                {b.lines.flatMap((line, j) => [
                  ...(j ? [<br key={`br${j}`} />] : []),
                  ...renderInline(line, `${k}.${j}`),
                ])}
              </p>
            );
        }
      })}
    </>
  );
}
