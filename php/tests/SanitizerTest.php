<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\Sanitizer;
use PHPUnit\Framework\TestCase;

/** `Sanitizer::clean()` and `Sanitizer::toText()` (no database). */
final class SanitizerTest extends TestCase
{
    /** @return iterable<string, array{string, string}> */
    public function cleanCases(): iterable
    {
        yield 'image with handler' => ['<img src=x onerror=alert(1)>hi', 'hi'];
        yield 'script removed with its content' => ['<script>alert(1)</script>ok', 'ok'];
        yield 'style removed with its content' => ['<style>p{}</style>ok', 'ok'];
        yield 'handler on an allowed tag' => ['<b onclick="x()">bold</b>', '<b>bold</b>'];
        yield 'all allowed tags kept' => [
            '<p><b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><s>s</s><code>c</code></p><pre>p</pre><blockquote>q</blockquote><ul><li>1</li></ul><ol><li>2</li></ol>a<br>b',
            '<p><b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><s>s</s><code>c</code></p><pre>p</pre><blockquote>q</blockquote><ul><li>1</li></ul><ol><li>2</li></ol>a<br>b',
        ];
        yield 'other tags unwrapped, text kept' => ['<div><span>x</span> <h1>y</h1></div>', 'x y'];
        yield 'https link gets rel' => [
            '<a href="https://example.com" target="_blank">x</a>',
            '<a href="https://example.com" rel="nofollow noopener noreferrer">x</a>',
        ];
        yield 'http link' => ['<a href="http://example.com/a?b=1&amp;c=2">x</a>', '<a href="http://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">x</a>'];
        yield 'mailto link' => ['<a href="mailto:a@example.com">m</a>', '<a href="mailto:a@example.com" rel="nofollow noopener noreferrer">m</a>'];
        yield 'javascript link loses href' => ['<a href="javascript:alert(1)">x</a>', '<a rel="nofollow noopener noreferrer">x</a>'];
        yield 'relative link loses href' => ['<a href="/x">x</a>', '<a rel="nofollow noopener noreferrer">x</a>'];
        yield 'own rel replaced' => ['<a href="https://e.com" rel="opener">x</a>', '<a href="https://e.com" rel="nofollow noopener noreferrer">x</a>'];
        yield 'text with brackets escaped' => ['1 < 2 & 3 > 2', '1 &lt; 2 &amp; 3 &gt; 2'];
        yield 'entities normalised' => ['Tom &amp; Jerry &lt;3', 'Tom &amp; Jerry &lt;3'];
        yield 'comment dropped' => ['a<!-- secret -->b', 'ab'];
        yield 'unclosed tag closed' => ['<b>bold', '<b>bold</b>'];
        yield 'no attributes but href' => ['<p class="c" id="i" style="color:red">p</p>', '<p>p</p>'];
    }

    /** @dataProvider cleanCases */
    public function testClean(string $in, string $out): void
    {
        self::assertSame($out, Sanitizer::clean($in));
        self::assertSame($out, Sanitizer::clean($out), 'clean() is idempotent');
    }

    public function testPlainTextIsReturnedUnchanged(): void
    {
        foreach ([
            '',
            'Hi! Can I book a massage on Friday at 10? See https://example.com "quoted" \'single\'',
            "multi\nline\ttext",
            'emoji 🎉 and accents éàü and CJK 予約',
            str_repeat('long plain text ', 600),
        ] as $s) {
            self::assertSame($s, Sanitizer::clean($s));
        }
    }

    public function testEveryOutputIsInert(): void
    {
        foreach ($this->cleanCases() as $label => [$in]) {
            self::assertSame([], InertHtml::violations(Sanitizer::clean($in)), $label);
        }
    }

    public function testToText(): void
    {
        self::assertSame('Tom & Jerry', Sanitizer::toText('<p>Tom &amp; <b>Jerry</b></p><script>x</script>'));
        self::assertSame('plain', Sanitizer::toText('plain'));
        self::assertSame('1 < 2 > 0 "q" \'s\'', Sanitizer::toText('1 &lt; 2 &gt; 0 &quot;q&quot; &#39;s&#39;'));
        self::assertSame('ab', Sanitizer::toText('a<style>x{}</style><template>t</template><noscript>n</noscript>b'));
        self::assertSame('link', Sanitizer::toText('<a href="https://example.com">link</a>'));
        self::assertSame("a\u{a0}b", Sanitizer::toText('a&nbsp;b'));
        self::assertSame('hi', Sanitizer::toText('<img src=x onerror=alert(1)>hi'));
        self::assertSame('<script>', Sanitizer::toText('&lt;script&gt;'), 'decoded text is text, not markup');
        self::assertSame('&lt;', Sanitizer::toText('&amp;lt;'), 'decoded exactly once');
        self::assertSame('', Sanitizer::toText(''));
    }

    public function testMaxLength(): void
    {
        self::assertSame(10000, Sanitizer::maxLength());
    }

    public function testStaticOnly(): void
    {
        $r = new ReflectionClass(Sanitizer::class);
        foreach (['clean', 'toText', 'maxLength'] as $m) {
            self::assertTrue($r->getMethod($m)->isStatic(), $m);
            self::assertTrue($r->getMethod($m)->isPublic(), $m);
        }
        self::assertSame('string', (string) $r->getMethod('clean')->getReturnType());
    }
}
