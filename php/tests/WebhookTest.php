<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\ChatException;
use BookingX\Addons\LiveChat\InvalidArgumentException;
use BookingX\Addons\LiveChat\SignatureException;
use BookingX\Addons\LiveChat\WebhookVerifier;

/**
 * Vendor webhooks through the PHP API: `WebhookVerifier::verify()`/`check()` with signatures
 * made here with PHP's own `hash_hmac()` (the vendors' PHP samples), and
 * `ChatManager::ingestWebhook()` storing the fixtures of the core's tests (the vendors'
 * documented payloads) in the unified tables.
 */
final class WebhookTest extends ChatTestCase
{
    private static function fixture(string $path): string
    {
        $file = dirname(__DIR__, 2) . '/crates/core/tests/fixtures/webhooks/' . $path;
        $body = file_get_contents($file);
        self::assertIsString($body, $file);
        return $body;
    }

    private function expectSignature(callable $call, string $reason): void
    {
        $e = $this->expectChatError($call, SignatureException::class, 'signature_invalid');
        self::assertSame($reason, $e->getDetails()['reason'] ?? null, $e->getMessage());
    }

    public function testPlatformsAreTheFiveVendors(): void
    {
        self::assertSame(['intercom', 'zendesk', 'livechat', 'drift', 'tawk'], WebhookVerifier::platforms());
    }

    public function testIntercomHubSignatureOverTheRawBody(): void
    {
        $secret = 'intercom-client-secret';
        $body = self::fixture('intercom/conversation.user.created.json');
        $sig = 'sha1=' . hash_hmac('sha1', $body, $secret);
        // WordPress's WP_REST_Request::get_headers() shape: lower case, underscores, lists.
        self::assertTrue(WebhookVerifier::verify('intercom', ['x_hub_signature' => [$sig], 'content_type' => ['application/json']], $body, $secret));
        self::assertTrue(WebhookVerifier::verify('intercom', ['X-Hub-Signature' => $sig], $body, $secret));
        self::assertTrue(WebhookVerifier::verify('intercom', ['HTTP_X_HUB_SIGNATURE' => $sig], $body, $secret));
        self::assertFalse(WebhookVerifier::verify('intercom', ['X-Hub-Signature' => $sig], $body . ' ', $secret));
        self::assertFalse(WebhookVerifier::verify('intercom', ['X-Hub-Signature' => $sig], $body, 'wrong'));
        self::assertFalse(WebhookVerifier::verify('intercom', [], $body, $secret));
        // The JSON re-encoded by PHP is not the body Intercom signed.
        $reencoded = json_encode(json_decode($body, true));
        self::assertFalse(WebhookVerifier::verify('intercom', ['X-Hub-Signature' => $sig], $reencoded, $secret));
        WebhookVerifier::check('intercom', ['X-Hub-Signature' => $sig], $body, $secret);
        $this->expectSignature(fn () => WebhookVerifier::check('intercom', ['X-Hub-Signature' => $sig], $body, 'wrong'), 'mismatch');
        $this->expectSignature(fn () => WebhookVerifier::check('intercom', [], $body, $secret), 'missing_signature');
    }

    public function testZendeskSignsTimestampThenBodyWithinFiveMinutes(): void
    {
        $secret = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
        $body = self::fixture('zendesk/chat.message.json');
        $sign = static fn (string $ts, string $b = null) => [
            'X-Zendesk-Webhook-Signature' => base64_encode(hash_hmac('sha256', $ts . ($b ?? $body), $secret, true)),
            'X-Zendesk-Webhook-Signature-Timestamp' => $ts,
        ];
        $now = gmdate('Y-m-d\TH:i:s\Z');
        self::assertTrue(WebhookVerifier::verify('zendesk', $sign($now), $body, $secret));
        $stale = gmdate('Y-m-d\TH:i:s\Z', time() - 600);
        self::assertFalse(WebhookVerifier::verify('zendesk', $sign($stale), $body, $secret));
        $this->expectSignature(fn () => WebhookVerifier::check('zendesk', $sign($stale), $body, $secret), 'stale_timestamp');
        $future = gmdate('Y-m-d\TH:i:s\Z', time() + 600);
        $this->expectSignature(fn () => WebhookVerifier::check('zendesk', $sign($future), $body, $secret), 'stale_timestamp');
        // Body then timestamp (an older revision of Zendesk's page) is refused.
        $bodyFirst = ['X-Zendesk-Webhook-Signature' => base64_encode(hash_hmac('sha256', $body . $now, $secret, true)), 'X-Zendesk-Webhook-Signature-Timestamp' => $now];
        $this->expectSignature(fn () => WebhookVerifier::check('zendesk', $bodyFirst, $body, $secret), 'mismatch');
        $headers = $sign($now);
        unset($headers['X-Zendesk-Webhook-Signature-Timestamp']);
        $this->expectSignature(fn () => WebhookVerifier::check('zendesk', $headers, $body, $secret), 'missing_timestamp');
        // Zendesk messaging (Sunshine Conversations) sends the secret as X-API-Key.
        self::assertTrue(WebhookVerifier::verify('zendesk', ['x_api_key' => [$secret]], $body, $secret));
        self::assertFalse(WebhookVerifier::verify('zendesk', ['x_api_key' => ['guess']], $body, $secret));
    }

    public function testLiveChatDriftAndTawkSchemes(): void
    {
        $lc = self::fixture('livechat/incoming_event.json');
        self::assertTrue(WebhookVerifier::verify('livechat', [], $lc, 'lc-webhook-secret-for-tests'));
        self::assertFalse(WebhookVerifier::verify('livechat', [], $lc, 'lc-webhook-secret'));

        $drift = self::fixture('drift/new_message.contact.json');
        $token = 'drift-verification-token-for-tests';
        self::assertTrue(WebhookVerifier::verify('drift', ['x_verification_token' => [$token]], $drift, $token));
        self::assertTrue(WebhookVerifier::verify('drift', [], $drift, $token));
        self::assertFalse(WebhookVerifier::verify('drift', ['x_verification_token' => ['forged']], $drift, $token));

        $tawk = self::fixture('tawk/chat-start.json');
        $secret = 'tawk-webhook-secret';
        self::assertTrue(WebhookVerifier::verify('tawk', ['X-Tawk-Signature' => hash_hmac('sha1', $tawk, $secret)], $tawk, $secret));
        self::assertFalse(WebhookVerifier::verify('tawk', ['X-Tawk-Signature' => hash_hmac('sha1', $tawk, $secret)], $tawk, 'x'));
        $this->expectSignature(fn () => WebhookVerifier::check('tawk', ['X-Tawk-Signature' => 'zz'], $tawk, $secret), 'malformed_signature');
    }

    public function testBinarySecretsAndBodiesAreBytes(): void
    {
        $secret = "\xff\x00binary\x80";
        $body = "\xfe not UTF-8 \x00";
        self::assertTrue(WebhookVerifier::verify('tawk', ['X-Tawk-Signature' => hash_hmac('sha1', $body, $secret)], $body, $secret));
    }

    public function testBadArgumentsAreInvalidArgumentExceptions(): void
    {
        $e = $this->expectChatError(fn () => WebhookVerifier::verify('slack', [], '{}', 's'), InvalidArgumentException::class, 'invalid_argument');
        self::assertSame('platform', $e->getDetails()['field']);
        $e = $this->expectChatError(fn () => WebhookVerifier::verify('intercom', [], '{}', ''), InvalidArgumentException::class, 'invalid_argument');
        self::assertSame('secret', $e->getDetails()['field']);
        $e = $this->expectChatError(fn () => WebhookVerifier::verify('intercom', ['X-Hub-Signature: sha1=00'], '{}', 's'), InvalidArgumentException::class, 'invalid_argument');
        self::assertSame('headers', $e->getDetails()['field']);
        $this->expectChatError(fn () => WebhookVerifier::verify('intercom', ['X-Hub-Signature' => ['a' => ['b']]], '{}', 's'), InvalidArgumentException::class, 'invalid_argument');
    }

    public function testIngestStoresAConversationOnceAndReportsRedeliveries(): void
    {
        $chat = $this->chat();
        $r = $chat->ingestWebhook('intercom', [], self::fixture('intercom/conversation.user.created.json'));
        self::assertSame(['status', 'event_id', 'conversation_id', 'message_ids', 'events'], array_keys($r));
        self::assertSame('stored', $r['status']);
        self::assertSame('notif_6b1d6f9a-0c2e-4b8e-9d1a-000000000001', $r['event_id']);
        self::assertIsInt($r['conversation_id']);
        self::assertCount(1, $r['message_ids']);
        $id = $r['conversation_id'];

        foreach (['conversation.user.replied', 'conversation.admin.replied', 'conversation.admin.closed', 'conversation.rating.added'] as $topic) {
            $r = $chat->ingestWebhook('intercom', [], self::fixture("intercom/$topic.json"));
            self::assertSame('stored', $r['status'], $topic);
            self::assertSame($id, $r['conversation_id'], $topic);
        }
        $c = $chat->getConversation($id);
        self::assertSame('intercom', $c['platform']);
        self::assertSame('147000001', $c['platform_conversation_id']);
        self::assertSame('closed', $c['status']);
        self::assertSame(4, $c['message_count']);
        self::assertSame(4, $c['rating']);
        self::assertSame('Quick and friendly', $c['rating_comment']);
        self::assertSame(600, $c['first_response_time']);
        self::assertSame(1200, $c['resolution_time']);
        self::assertSame('2024-05-24T12:00:00Z', $c['started_at']);
        self::assertSame('2024-05-24T12:20:00Z', $c['ended_at']);
        self::assertSame('Ada Lovelace', $c['metadata']['platform_customer']['name']);
        $messages = $chat->getMessages($id, []);
        self::assertSame(['customer', 'customer', 'agent', 'agent'], array_column($messages, 'sender_type'));
        self::assertSame('<p>Done: Friday 4pm. See you then!</p>', $messages[2]['body']);
        self::assertSame('3000000012', $messages[2]['platform_message_id']);

        $rows = self::countRows('messages');
        $events = self::countRows('webhook_events');
        $again = $chat->ingestWebhook('intercom', [], self::fixture('intercom/conversation.admin.replied.json'));
        self::assertSame('duplicate', $again['status']);
        self::assertSame($id, $again['conversation_id']);
        self::assertSame([], $again['message_ids']);
        self::assertSame($rows, self::countRows('messages'));
        self::assertSame($events, self::countRows('webhook_events'));
    }

    public function testIngestReadsTheEventIdHeaderAndIgnoresOtherEvents(): void
    {
        $chat = $this->chat();
        $headers = ['x_hook_event_id' => ['tawk-evt-' . bin2hex(random_bytes(4))]];
        $r = $chat->ingestWebhook('tawk', $headers, self::fixture('tawk/chat-start.json'));
        self::assertSame('stored', $r['status']);
        self::assertSame($headers['x_hook_event_id'][0], $r['event_id']);
        self::assertSame('duplicate', $chat->ingestWebhook('tawk', $headers, self::fixture('tawk/chat-start.json'))['status']);
        $r = $chat->ingestWebhook('tawk', ['X-Hook-Event-Id' => 'ticket-1'], self::fixture('tawk/ticket-create.json'));
        self::assertSame('ignored', $r['status']);
        self::assertNull($r['conversation_id']);
    }

    public function testHostileBodiesAreStoredInertAndMalformedOnesStoreNothing(): void
    {
        $chat = $this->chat();
        $body = json_encode(['type' => 'new_message', 'token' => 't', 'orgId' => 1, 'data' => [
            'id' => 901, 'conversationId' => 4242, 'type' => 'chat', 'createdAt' => 1716552001000,
            'author' => ['type' => 'contact', 'id' => 5],
            'body' => '<p onclick="x()">hi<script>alert(1)</script><iframe src="//evil"></iframe></p>',
        ]]);
        $r = $chat->ingestWebhook('drift', [], $body);
        $m = $chat->getMessages($r['conversation_id'], [])[0];
        self::assertSame('<p>hi</p>', $m['body']);

        $before = [self::countRows('conversations'), self::countRows('messages'), self::countRows('webhook_events')];
        foreach ([['intercom', '{not json'], ['tawk', '{"event":"chat:start"}'], ['livechat', '[]']] as [$platform, $raw]) {
            try {
                $chat->ingestWebhook($platform, [], $raw);
                self::fail("$platform accepted $raw");
            } catch (ChatException $e) {
                self::assertInstanceOf(InvalidArgumentException::class, $e);
                self::assertSame('invalid_argument', $e->getErrorCode());
            }
        }
        self::assertSame($before, [self::countRows('conversations'), self::countRows('messages'), self::countRows('webhook_events')]);
    }
}
