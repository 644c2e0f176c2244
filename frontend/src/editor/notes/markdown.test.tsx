import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Markdown } from './markdown';

const html = (source: string) => render(<Markdown source={source} />).container;

describe('sticky note markdown', () => {
  it('renders headings, emphasis, lists, code and quotes', () => {
    const el = html(
      '# Plan\nFirst **bold** and *soft* and `code`\n\n- one\n- two\n\n1. a\n2. b\n\n> said\n\n```\nx < y\n```',
    );
    expect(el.querySelector('h3')?.textContent).toBe('Plan');
    expect(el.querySelector('strong')?.textContent).toBe('bold');
    expect(el.querySelector('em')?.textContent).toBe('soft');
    expect(el.querySelector('p code')?.textContent).toBe('code');
    expect([...el.querySelectorAll('ul li')].map((li) => li.textContent)).toEqual(['one', 'two']);
    expect([...el.querySelectorAll('ol li')].map((li) => li.textContent)).toEqual(['a', 'b']);
    expect(el.querySelector('blockquote')?.textContent).toBe('said');
    expect(el.querySelector('pre code')?.textContent).toBe('x < y');
  });

  it('shows HTML as text: no element, no handler', () => {
    const el = html('<img src=x onerror="window.pwned=1"> <script>alert(1)</script> **<b>hi</b>**');
    expect(el.querySelector('img, script, b')).toBeNull();
    expect(el.textContent).toContain('<img src=x onerror="window.pwned=1">');
    expect(el.textContent).toContain('<script>alert(1)</script>');
    expect(el.querySelector('strong')?.textContent).toBe('<b>hi</b>');
  });

  it('links only to the web or mail; other schemes stay text', () => {
    const el = html('[docs](https://example.org/a) [bad](javascript:alert(1)) [data](data:text/html,x)');
    const links = [...el.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.org/a']);
    expect(links[0].getAttribute('rel')).toContain('noopener');
    expect(el.textContent).toContain('[bad](javascript:alert(1))');
  });
});
