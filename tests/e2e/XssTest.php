<?php
/**
 * Stored XSS: every payload of fixtures/xss-payloads.txt is posted as a chat message; what
 * the API returns — right away and later from the history — must be inert HTML.
 */

declare(strict_types=1);

namespace BkxE2E;

final class XssTest extends E2ETestCase
{
    private static ?HttpClient $guest = null;
    private static int $conversationId = 0;
    /** @var array<int, string> message id => payload, for the messages stored by the provider test */
    private static array $stored = [];

    /** @return array<string, array{0: string}> */
    public static function payloads(): array
    {
        $cases = [];
        foreach (file(__DIR__ . '/fixtures/xss-payloads.txt', FILE_IGNORE_NEW_LINES) ?: [] as $number => $line) {
            $line = rtrim($line, "\r");
            if ('' === $line || str_starts_with($line, '## ')) {
                continue;
            }
            $cases[sprintf('line %d', $number + 1)] = [$line];
        }
        return $cases;
    }

    public function testTheCorpusIsLargeEnough(): void
    {
        $this->assertGreaterThanOrEqual(60, count(self::payloads()));
    }

    /** The checker itself must catch what it is meant to catch, or the tests prove nothing. */
    public function testTheInertnessCheckerDetectsActiveMarkup(): void
    {
        $active = [
            '<script>alert(1)</script>',
            '<img src=x onerror=alert(1)>',
            '<a href="javascript:alert(1)">x</a>',
            '<a href="jav&#x09;ascript:alert(1)">x</a>',
            '<a href=" data:text/html,x">x</a>',
            '<a href="vbscript:x">x</a>',
            '<iframe src="https://example.com"></iframe>',
            '<svg><g></g></svg>',
            '<math></math>',
            '<style>*{}</style>',
            '<form></form>',
            '<meta http-equiv="refresh" content="0">',
            '<base href="https://evil.example/">',
            '<link rel="stylesheet" href="x.css">',
            '<object data="x"></object>',
            '<embed src="x">',
            '<p style="color:red">x</p>',
            '<b	onclick=alert(1)>x</b>',
        ];
        foreach ($active as $html) {
            $this->assertNotSame([], Inertness::problems($html), 'not detected: ' . $html);
        }
        $inert = [
            'plain text',
            '<b>bold</b> <i>it</i> <code>x &lt; y</code>',
            '<a href="https://example.com/" rel="nofollow noopener noreferrer">link</a>',
            '<a href="mailto:a@example.com">mail</a>',
            '&lt;script&gt;alert(1)&lt;/script&gt;',
            '<p>javascript: is only text here, and so is onclick=alert(1)</p>',
            '<a title="a&gt;&lt;img src=x onerror=alert(1)&gt;" href="https://example.com/">quoted text</a>',
        ];
        foreach ($inert as $html) {
            $this->assertSame([], Inertness::problems($html), 'false alarm: ' . $html);
        }
    }

    /**
     * @dataProvider payloads
     */
    public function testPayloadIsStoredInert(string $payload): void
    {
        [$guest, $id] = $this->conversation();
        $response = $this->postMessage($guest, $id, $payload);

        if (400 === $response->status) {
            // A payload that is nothing but active markup sanitises to an empty message.
            $this->assertError(400, 'invalid_argument', $response, 'payload: ' . $payload);
            return;
        }
        $this->assertStatus(201, $response, 'payload: ' . $payload);
        $message = $response->json();
        $this->assertIsString($message['body']);
        $this->assertInert($message['body'], 'POST response, payload: ' . $payload);
        $this->assertSame($message['body'], $message['message'] ?? $message['body'], 'body and message agree');
        self::$stored[(int) $message['id']] = $payload;
    }

    public function testStoredHistoryIsInert(): void
    {
        [$guest, $id] = $this->conversation();
        if (!self::$stored) {
            // Run on its own (filtered): store the corpus first.
            foreach (self::payloads() as [$payload]) {
                $response = $this->postMessage($guest, $id, $payload);
                if (201 === $response->status) {
                    self::$stored[(int) $response->json()['id']] = $payload;
                }
            }
        }
        $this->assertNotEmpty(self::$stored, 'at least some payloads were stored');

        foreach ([$guest, $this->agent()] as $reader) {
            $history = $this->history($reader, $id);
            $byId = array_column($history, null, 'id');
            foreach (self::$stored as $messageId => $payload) {
                $this->assertArrayHasKey($messageId, $byId, 'stored message is in the history');
                $this->assertInert((string) $byId[$messageId]['body'], "history as {$reader->name}, payload: " . $payload);
            }
            foreach ($history as $message) {
                $this->assertInert((string) $message['body'], 'history message ' . $message['id']);
            }
        }
    }

    public function testFirstMessageOfANewConversationIsInert(): void
    {
        $guest = $this->guest();
        $conversation = $this->startConversation($guest, 'Hi <img src=x onerror=alert(1)><a href="javascript:alert(2)">there</a>');
        $this->assertInert((string) $conversation['first_message']['body'], 'first message');
        foreach ($this->history($guest, (int) $conversation['id']) as $message) {
            $this->assertInert((string) $message['body'], 'first message in history');
        }
    }

    public function testAgentRepliesAreSanitisedToo(): void
    {
        [, $id] = $this->conversation();
        $response = $this->postMessage($this->agent(), $id, 'Book here: <a href="javascript:alert(1)" onclick="x()">link</a><script>steal()</script>');
        $this->assertStatus(201, $response);
        $this->assertInert($response->json()['body'], 'agent reply');
    }

    public function testSafeFormattingSurvives(): void
    {
        [$guest, $id] = $this->conversation();
        $response = $this->postMessage($guest, $id, '<b>Bold</b> and <a href="https://example.com/book">a link</a>');
        $this->assertStatus(201, $response);
        $body = $response->json()['body'];
        $this->assertStringContainsString('<b>Bold</b>', $body);
        $this->assertMatchesRegularExpression('/<a [^>]*href="https:\/\/example\.com\/book"/', $body);
        $this->assertMatchesRegularExpression('/rel="[^"]*noopener[^"]*"/', $body);
        $this->assertInert($body);
    }

    /** @return array{0: HttpClient, 1: int} the shared guest conversation of this class */
    private function conversation(): array
    {
        if (null === self::$guest) {
            self::$guest = $this->guest('xss-guest');
            self::$conversationId = (int) $this->startConversation(self::$guest, 'XSS corpus follows')['id'];
        }
        return [self::$guest, self::$conversationId];
    }
}
