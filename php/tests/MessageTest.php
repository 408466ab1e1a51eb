<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\InvalidArgumentException;
use BookingX\Addons\LiveChat\NotFoundException;

/** `sendMessage` (validation, sanitising on write, idempotency) and `getMessages` paging. */
final class MessageTest extends ChatTestCase
{
    private const MESSAGE_KEYS = [
        'id', 'conversation_id', 'client_id', 'platform_message_id', 'sender_type', 'sender_id', 'sender_name',
        'body', 'message', 'message_type', 'attachment_url', 'attachment', 'is_read', 'read_at', 'metadata',
        'sent_at', 'created_at',
    ];

    private function send(int $conversationId, array $message): array
    {
        return $this->chat()->sendMessage($conversationId, $message + ['sender_type' => 'customer']);
    }

    public function testSendReturnsTheDocumentedShape(): void
    {
        $c = $this->newConversation();
        $m = $this->send($c['id'], ['body' => 'Hello, can I book a massage on Friday?']);
        self::assertSame(self::MESSAGE_KEYS, array_keys($m));
        self::assertIsInt($m['id']);
        self::assertSame($c['id'], $m['conversation_id']);
        self::assertSame('customer', $m['sender_type']);
        self::assertSame('Hello, can I book a massage on Friday?', $m['body']);
        self::assertSame($m['body'], $m['message']);
        self::assertSame('text', $m['message_type']);
        self::assertFalse($m['is_read']);
        self::assertNull($m['read_at']);
        self::assertNull($m['client_id']);
        self::assertSame([], $m['metadata']);
        self::assertMatchesRegularExpression('/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/', $m['sent_at']);
        self::assertSame([$m], $this->chat()->getMessages($c['id']));

        $conv = $this->chat()->getConversation($c['id']);
        self::assertSame(1, $conv['message_count']);
    }

    public function testSanitisedOnceOnWrite(): void
    {
        $c = $this->newConversation();
        $m = $this->send($c['id'], ['body' => '<img src=x onerror=alert(1)>hi']);
        self::assertSame('hi', $m['body']);
        self::assertSame('hi', self::rawRow('messages', $m['id'])['message'], 'the stored column holds the sanitised body');
        self::assertSame('hi', $this->chat()->getMessages($c['id'])[0]['body']);

        $m = $this->send($c['id'], ['body' => 'See <a href="https://example.com/x?a=1&b=2" target="_blank" onclick="steal()">this</a> and <b>bold</b><script>alert(1)</script>']);
        $expected = 'See <a href="https://example.com/x?a=1&amp;b=2" rel="nofollow noopener noreferrer">this</a> and <b>bold</b>';
        self::assertSame($expected, $m['body']);
        self::assertSame($expected, self::rawRow('messages', $m['id'])['message']);

        // Reading never re-sanitises: what was stored is what comes back, byte for byte.
        $escaped = $this->send($c['id'], ['body' => 'if a < b && c > d then "x"']);
        self::assertSame('if a &lt; b &amp;&amp; c &gt; d then "x"', $escaped['body']);
        $back = $this->chat()->getMessages($c['id'], ['after_id' => $escaped['id'] - 1]);
        self::assertSame($escaped['body'], $back[0]['body']);

        // Plain text is stored as sent.
        $plain = "Plain text with 'quotes', \"doubles\", emoji 🎉 and new\nlines";
        self::assertSame($plain, $this->send($c['id'], ['body' => $plain])['body']);
    }

    public function testTheMessageKeyIsAnAliasOfBody(): void
    {
        $c = $this->newConversation();
        $m = $this->send($c['id'], ['message' => '<i>alias</i>']);
        self::assertSame('<i>alias</i>', $m['body']);
    }

    public function testLengthLimitIsInCharacters(): void
    {
        $c = $this->newConversation();
        $ascii = str_repeat('a', 10000);
        self::assertSame($ascii, $this->send($c['id'], ['body' => $ascii])['body']);
        $multibyte = str_repeat('é', 10000);
        $m = $this->send($c['id'], ['body' => $multibyte]);
        self::assertSame($multibyte, $m['body']);
        self::assertSame($multibyte, self::rawRow('messages', $m['id'])['message']);
        $emoji = str_repeat('🎉', 10000);
        self::assertSame($emoji, $this->send($c['id'], ['body' => $emoji])['body']);
        self::assertSame(3, $this->chat()->getConversation($c['id'])['message_count']);
    }

    public function testOneCharacterTooLongIsPayloadTooLarge(): void
    {
        $c = $this->newConversation();
        foreach ([str_repeat('a', 10001), str_repeat('é', 10001), str_repeat('<b>x</b>', 1251)] as $body) {
            $e = $this->assertRejectedWithoutWrite(
                $c['id'],
                fn () => $this->send($c['id'], ['body' => $body]),
                InvalidArgumentException::class,
                'payload_too_large'
            );
            $d = $e->getDetails();
            self::assertSame('body', $d['field']);
            self::assertSame(10000, $d['max']);
        }
    }

    /** @return iterable<string, array{mixed}> */
    public function emptyBodies(): iterable
    {
        yield 'empty string' => [''];
        yield 'spaces' => ['   '];
        yield 'whitespace mix' => ["\n\t \r\n"];
        yield 'script only' => ['<script>x</script>'];
        yield 'script and whitespace' => [' <script>alert(1)</script> '];
        yield 'style only' => ['<style>body{}</style>'];
        yield 'empty paragraph' => ['<p> </p>'];
        yield 'image only' => ['<img src=x onerror=alert(1)>'];
        yield 'comment only' => ['<!-- hi -->'];
        yield 'non-breaking spaces' => ['&nbsp;&nbsp;'];
    }

    /** @dataProvider emptyBodies */
    public function testEmptyBodyIsInvalid(string $body): void
    {
        $c = $this->newConversation();
        $e = $this->assertRejectedWithoutWrite(
            $c['id'],
            fn () => $this->send($c['id'], ['body' => $body]),
            InvalidArgumentException::class,
            'invalid_argument'
        );
        self::assertSame('body', $e->getDetails()['field'] ?? null);
    }

    /** @return iterable<string, array{array, string}> */
    public function invalidMessages(): iterable
    {
        yield 'no body' => [['sender_type' => 'customer'], 'body'];
        yield 'body as an array' => [['sender_type' => 'customer', 'body' => ['hi']], 'body'];
        yield 'body as an int' => [['sender_type' => 'customer', 'body' => 42], 'body'];
        yield 'body as null' => [['sender_type' => 'customer', 'body' => null], 'body'];
        yield 'body as a bool' => [['sender_type' => 'customer', 'body' => true], 'body'];
        yield 'message alias as an array' => [['sender_type' => 'customer', 'message' => ['hi']], 'message'];
        yield 'no sender_type' => [['body' => 'hi'], 'sender_type'];
        yield 'unknown sender_type' => [['sender_type' => 'robot', 'body' => 'hi'], 'sender_type'];
        yield 'sender_type in capitals' => [['sender_type' => 'Customer', 'body' => 'hi'], 'sender_type'];
        yield 'sender_type as an int' => [['sender_type' => 1, 'body' => 'hi'], 'sender_type'];
        yield "sender_id 'abc'" => [['sender_type' => 'customer', 'body' => 'hi', 'sender_id' => 'abc'], 'sender_id'];
        yield 'sender_id negative' => [['sender_type' => 'customer', 'body' => 'hi', 'sender_id' => -1], 'sender_id'];
        yield 'sender_id zero' => [['sender_type' => 'customer', 'body' => 'hi', 'sender_id' => 0], 'sender_id'];
        yield 'sender_id float' => [['sender_type' => 'customer', 'body' => 'hi', 'sender_id' => 1.5], 'sender_id'];
        yield 'sender_id array' => [['sender_type' => 'customer', 'body' => 'hi', 'sender_id' => [1]], 'sender_id'];
        yield 'metadata as a string' => [['sender_type' => 'customer', 'body' => 'hi', 'metadata' => 'x'], 'metadata'];
        yield 'metadata as a list' => [['sender_type' => 'customer', 'body' => 'hi', 'metadata' => [1, 2]], 'metadata'];
        yield 'metadata with an object' => [['sender_type' => 'customer', 'body' => 'hi', 'metadata' => ['o' => new stdClass()]], 'o'];
        yield 'metadata too large' => [['sender_type' => 'customer', 'body' => 'hi', 'metadata' => ['x' => str_repeat('y', 17000)]], 'metadata'];
        yield 'sender_name as an array' => [['sender_type' => 'customer', 'body' => 'hi', 'sender_name' => ['a']], 'sender_name'];
        yield 'sender_name too long' => [['sender_type' => 'customer', 'body' => 'hi', 'sender_name' => str_repeat('n', 101)], 'sender_name'];
        yield 'client_id as an int' => [['sender_type' => 'customer', 'body' => 'hi', 'client_id' => 5], 'client_id'];
        yield 'client_id empty' => [['sender_type' => 'customer', 'body' => 'hi', 'client_id' => ''], 'client_id'];
        yield 'client_id too long' => [['sender_type' => 'customer', 'body' => 'hi', 'client_id' => str_repeat('c', 65)], 'client_id'];
        yield 'unknown message_type' => [['sender_type' => 'customer', 'body' => 'hi', 'message_type' => 'video'], 'message_type'];
        yield 'javascript attachment_url' => [['sender_type' => 'customer', 'body' => 'hi', 'attachment_url' => 'javascript:alert(1)'], 'attachment_url'];
        yield 'relative attachment_url' => [['sender_type' => 'customer', 'body' => 'hi', 'attachment_url' => '/uploads/x.png'], 'attachment_url'];
        yield 'body not UTF-8' => [['sender_type' => 'customer', 'body' => "caf\xe9"], 'body'];
    }

    /** @dataProvider invalidMessages */
    public function testInvalidMessageStoresNothing(array $message, string $field): void
    {
        $c = $this->newConversation(['message' => 'first']);
        $e = $this->assertRejectedWithoutWrite(
            $c['id'],
            fn () => $this->chat()->sendMessage($c['id'], $message),
            InvalidArgumentException::class,
            'invalid_argument'
        );
        self::assertSame($field, $e->getDetails()['field'] ?? null, $e->getMessage());
        self::assertSame(1, $this->chat()->getConversation($c['id'])['message_count']);
    }

    public function testInvalidConversationIds(): void
    {
        $rows = self::countRows('messages');
        $e = $this->expectChatError(fn () => $this->send(987654321, ['body' => 'hi']), NotFoundException::class, 'not_found');
        self::assertSame(['resource' => 'conversation', 'id' => 987654321], $e->getDetails());
        $this->expectChatError(fn () => $this->send(0, ['body' => 'hi']), InvalidArgumentException::class, 'invalid_argument');
        $this->expectChatError(fn () => $this->send(-1, ['body' => 'hi']), InvalidArgumentException::class, 'invalid_argument');
        $this->expectChatError(fn () => $this->chat()->getMessages(987654321), NotFoundException::class, 'not_found');
        self::assertSame($rows, self::countRows('messages'));
    }

    public function testOptionalFieldsAreStored(): void
    {
        $c = $this->newConversation();
        $m = $this->chat()->sendMessage($c['id'], [
            'sender_type' => 'agent',
            'sender_id' => '12',
            'sender_name' => '  <b>Maria</b> ',
            'body' => 'Here is the quote',
            'message_type' => 'quote',
            'attachment_url' => 'https://example.com/q.pdf',
            'platform_message_id' => 'pm-1',
            'metadata' => ['price' => 49.5, 'items' => ['a', 'b'], 'ok' => true],
        ]);
        self::assertSame('agent', $m['sender_type']);
        self::assertSame(12, $m['sender_id']);
        self::assertSame('Maria', $m['sender_name'], 'sender_name is stored as plain text');
        self::assertSame('quote', $m['message_type']);
        self::assertSame('https://example.com/q.pdf', $m['attachment_url']);
        self::assertSame('pm-1', $m['platform_message_id']);
        self::assertSame(['price' => 49.5, 'items' => ['a', 'b'], 'ok' => true], $m['metadata']);
        self::assertSame([$m], $this->chat()->getMessages($c['id']));

        $conv = $this->chat()->getConversation($c['id']);
        self::assertIsInt($conv['first_response_time'], 'the first agent message sets first_response_time');
        self::assertGreaterThanOrEqual(0, $conv['first_response_time']);
    }

    public function testClientIdMakesSendsIdempotent(): void
    {
        $c = $this->newConversation();
        $first = $this->send($c['id'], ['body' => 'only once', 'client_id' => 'c-1']);
        $retry = $this->send($c['id'], ['body' => 'only once', 'client_id' => 'c-1']);
        self::assertSame($first, $retry);
        $different = $this->send($c['id'], ['body' => 'a different body', 'client_id' => 'c-1']);
        self::assertSame($first, $different, 'a retry returns the stored message, whatever it says');
        self::assertSame(1, self::countRows('messages', ['conversation_id' => $c['id']]));
        self::assertSame(1, self::countRows('messages', ['conversation_id' => $c['id'], 'client_id' => 'c-1']));
        self::assertSame(1, $this->chat()->getConversation($c['id'])['message_count']);
        self::assertSame('c-1', $first['client_id']);

        // The same client id in another conversation is another message.
        $other = $this->newConversation();
        $m = $this->send($other['id'], ['body' => 'only once', 'client_id' => 'c-1']);
        self::assertNotSame($first['id'], $m['id']);

        // A 64-character client id is accepted.
        $long = str_repeat('k', 64);
        self::assertSame($long, $this->send($c['id'], ['body' => 'x', 'client_id' => $long])['client_id']);
        self::assertSame(2, $this->chat()->getConversation($c['id'])['message_count']);
    }

    public function testHistoryPaging(): void
    {
        $c = $this->newConversation();
        $other = $this->newConversation();
        $ids = [];
        for ($i = 1; $i <= 60; $i++) {
            $ids[] = $this->send($c['id'], ['body' => "message $i", 'sender_type' => $i % 2 ? 'customer' : 'agent'])['id'];
            if ($i % 20 === 0) {
                $this->send($other['id'], ['body' => 'noise']);
            }
        }
        $page = fn (array $p = []) => array_column($this->chat()->getMessages($c['id'], $p), 'id');

        self::assertSame(array_slice($ids, -50), $page(), 'default: the newest 50, oldest first');
        self::assertSame(array_slice($ids, -50), $page([]));
        self::assertSame($ids, $page(['limit' => 100]));
        self::assertSame(array_slice($ids, -1), $page(['limit' => 1]));
        self::assertSame(array_slice($ids, 20, 10), $page(['before_id' => $ids[30], 'limit' => 10]), 'before_id: the newest older ones');
        self::assertSame(array_slice($ids, 31, 10), $page(['after_id' => $ids[30], 'limit' => 10]), 'after_id: the oldest newer ones');
        self::assertSame([], $page(['before_id' => $ids[0]]));
        self::assertSame([], $page(['after_id' => end($ids)]));
        self::assertSame(array_slice($ids, 0, 5), $page(['after_id' => 1, 'limit' => 5]), 'after an id below the first');

        // Walking backwards (scroll-back) and forwards (catch-up) visits every message once.
        $back = [];
        $before = null;
        do {
            $chunk = $page(['limit' => 7] + ($before === null ? [] : ['before_id' => $before]));
            $back = array_merge($chunk, $back);
            $before = $chunk[0] ?? null;
        } while (count($chunk) === 7);
        self::assertSame($ids, $back);

        $fwd = [];
        $after = $ids[0] - 1;
        do {
            $chunk = $page(['limit' => 9, 'after_id' => $after]);
            $fwd = array_merge($fwd, $chunk);
            $after = end($chunk);
        } while (count($chunk) === 9);
        self::assertSame($ids, $fwd);

        foreach ([0, 101, -1, 1000, 'x'] as $bad) {
            $e = $this->expectChatError(fn () => $page(['limit' => $bad]), InvalidArgumentException::class, 'invalid_argument');
            self::assertSame('limit', $e->getDetails()['field'] ?? null);
        }
        $this->expectChatError(fn () => $page(['before_id' => $ids[5], 'after_id' => $ids[1]]), InvalidArgumentException::class, 'invalid_argument');
        $this->expectChatError(fn () => $page(['before_id' => 'abc']), InvalidArgumentException::class, 'invalid_argument');
        $this->expectChatError(fn () => $page(['after_id' => -4]), InvalidArgumentException::class, 'invalid_argument');
        self::assertSame(60, $this->chat()->getConversation($c['id'])['message_count']);
    }
}
