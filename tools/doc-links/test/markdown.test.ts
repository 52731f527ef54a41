import t from 'tap';
import { outline, slug } from '../src/index.js';

t.test('slug: GitHub anchors', async (t) => {
  t.equal(slug("Differences from ucspi-tcp 0.88's rblsmtpd, and why"), 'differences-from-ucspi-tcp-088s-rblsmtpd-and-why');
  t.equal(slug('TLS (STLS and POP3S)'), 'tls-stls-and-pop3s');
  t.equal(slug('`mailfront-smtpd` vs `mailfront smtp`'), 'mailfront-smtpd-vs-mailfront-smtp');
  t.equal(slug('AUTH_REQUIRES_TLS and *emphasis*'), 'auth_requires_tls-and-emphasis');
  t.equal(slug('_emphasised_ words'), 'emphasised-words');
  t.equal(slug('See [the page](page.md) ✓'), 'see-the-page-');
  t.equal(slug('Ünïcode stays'), 'ünïcode-stays');
});

t.test('outline: links and anchors, code excluded', async (t) => {
  const o = outline(
    [
      '# Title',
      'A [link](a.md), an ![image](img/x.png "title") and [another](<b c.md#part>).',
      'Not a link: `[x](code.md)`.',
      '```sh',
      '# not a heading',
      'echo [y](fenced.md)',
      '```',
      '## Title',
      '[ref]: ref.md#title-1',
      '<a name="explicit"></a>',
      '### Nested [brackets] are [fine](n.md)',
    ].join('\n'),
  );
  t.same(
    o.links.map((l) => [l.line, l.target]),
    [
      [2, 'a.md'],
      [2, 'img/x.png'],
      [2, 'b c.md#part'],
      [9, 'ref.md#title-1'],
      [11, 'n.md'],
    ],
  );
  t.same([...o.anchors].sort(), ['explicit', 'nested-brackets-are-fine', 'title', 'title-1']);
});
