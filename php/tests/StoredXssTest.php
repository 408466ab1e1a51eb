<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\InvalidArgumentException;
use BookingX\Addons\LiveChat\Sanitizer;

/**
 * Stored XSS: every payload of fixtures/xss-payloads.txt goes in through sendMessage and comes
 * back through getMessages inert (only the chat allow-list, see support/InertHtml.php).
 */
final class StoredXssTest extends ChatTestCase
{
    private const CORPUS = __DIR__ . '/fixtures/xss-payloads.txt';
    private const PLACEHOLDERS = ['{NUL}' => "\0", '{TAB}' => "\t", '{LF}' => "\n", '{CR}' => "\r", '{FF}' => "\f", '{VT}' => "\v"];

    private static ?int $conversation = null;

    /** @return array<string, string> line label => payload */
    private static function corpus(): array
    {
        $lines = file(self::CORPUS, FILE_IGNORE_NEW_LINES);
        if ($lines === false) {
            throw new RuntimeException('cannot read ' . self::CORPUS);
        }
        $out = [];
        foreach ($lines as $i => $line) {
            if (trim($line) === '' || str_starts_with($line, '#')) {
                continue;
            }
            $out[sprintf('line %d: %s', $i + 1, mb_strimwidth($line, 0, 70, '…'))] = strtr($line, self::PLACEHOLDERS);
        }
        return $out;
    }

    /** @return iterable<string, array{string}> */
    public function payloads(): iterable
    {
        foreach (self::corpus() as $label => $payload) {
            yield $label => [$payload];
        }
    }

    public function testTheCorpusIsLargeAndDistinct(): void
    {
        $corpus = self::corpus();
        self::assertGreaterThanOrEqual(60, count($corpus));
        self::assertSame(count($corpus), count(array_unique($corpus)), 'duplicate payloads');
    }

    public function testInertHtmlCatchesWhatItShould(): void
    {
        // The checker itself: it must flag each of these, or the corpus test proves nothing.
        $bad = [
            '<img src=x>', '<script>x</script>', '<b onclick="x">b</b>', '<a href="javascript:x" rel="nofollow noopener noreferrer">a</a>',
            '<a href=" javascript:x" rel="nofollow noopener noreferrer">a</a>', '<a href="https://x" rel="opener">a</a>',
            '<a href="https://x">a</a>', '<p title="t">p</p>', '<!-- c -->', '<svg></svg>', '<b>ok</b><iframe>', '<a href="/rel" rel="nofollow noopener noreferrer">x</a>',
            '<a href="data:text/html,x" rel="nofollow noopener noreferrer">x</a>', '<style>x</style>', '<b style="x">b</b>', 'x < y',
        ];
        foreach ($bad as $html) {
            self::assertNotSame([], InertHtml::violations($html), "not flagged: $html");
        }
        foreach (['', 'text', '<b>b</b>', '<a href="https://x.y/?a=1&amp;b=2" rel="nofollow noopener noreferrer">x</a>', 'x &lt; y', '<br>', '<ul><li>x</li></ul>'] as $ok) {
            self::assertSame([], InertHtml::violations($ok), "flagged: $ok");
        }
    }

    /** @dataProvider payloads */
    public function testPayloadIsStoredInert(string $payload): void
    {
        $clean = Sanitizer::clean($payload);
        self::assertSame([], InertHtml::violations($clean), 'Sanitizer::clean output: ' . $clean);
        self::assertSame($clean, Sanitizer::clean($clean), 'cleaning the output again changes it (parser round-trip instability)');

        if (self::$conversation === null) {
            self::$conversation = $this->newConversation()['id'];
        }
        $id = self::$conversation;
        $rows = self::countRows('messages');
        $last = $this->chat()->getMessages($id, ['limit' => 1]);
        $after = $last === [] ? 0 : $last[0]['id'];

        try {
            $sent = $this->chat()->sendMessage($id, ['sender_type' => 'customer', 'body' => $payload]);
        } catch (InvalidArgumentException $e) {
            // Only acceptable rejection: nothing readable is left after sanitising.
            self::assertSame('invalid_argument', $e->getErrorCode(), $e->getMessage());
            self::assertSame('body', $e->getDetails()['field'] ?? null);
            self::assertSame('', trim(Sanitizer::toText($clean), " \t\n\r\0\x0B\u{a0}"), 'rejected although text remains: ' . $clean);
            self::assertSame($rows, self::countRows('messages'));
            return;
        }

        self::assertSame($clean, $sent['body'], 'sendMessage stores what Sanitizer::clean returns');
        self::assertSame($rows + 1, self::countRows('messages'));
        $back = $this->chat()->getMessages($id, $after > 0 ? ['after_id' => $after] : []);
        self::assertCount(1, $back);
        self::assertSame($sent['id'], $back[0]['id']);
        self::assertSame($sent['body'], $back[0]['body'], 'getMessages returns the stored body unchanged');
        self::assertSame($sent['body'], $back[0]['message']);
        self::assertSame([], InertHtml::violations($back[0]['body']), 'stored body: ' . $back[0]['body']);
        self::assertSame($sent['body'], self::rawRow('messages', $sent['id'])['message']);
    }

    public function testBenignMarkupSurvives(): void
    {
        $c = $this->newConversation();
        $m = $this->chat()->sendMessage($c['id'], [
            'sender_type' => 'agent',
            'body' => '<b>bold</b> <i>italic</i> <a href="https://example.com/?a=1&amp;b=2">safe link</a>',
        ]);
        self::assertSame('<b>bold</b> <i>italic</i> <a href="https://example.com/?a=1&amp;b=2" rel="nofollow noopener noreferrer">safe link</a>', $m['body']);
    }
}
