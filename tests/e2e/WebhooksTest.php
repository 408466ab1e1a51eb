<?php
/**
 * POST /chat/{platform}/webhook over real HTTP, for the five vendors.
 *
 * The webhook secrets are saved through the settings screen (options.php), each delivery is
 * one of the core's fixtures (the vendors' documented payloads) with ids made unique for
 * this run, signed here the way the vendor signs it. What a delivery stored is read back
 * through the REST conversation and message routes as the administrator. Forged, unsigned,
 * stale and replayed deliveries must store nothing.
 */

declare(strict_types=1);

namespace BkxE2E;

final class WebhooksTest extends E2ETestCase
{

    /** @var array<string, string> setting => secret, saved once per run */
    private static array $secrets = [];

    private static string $run = '';

    /** A numeric run id, for vendors whose ids are JSON numbers (Drift). */
    private static string $num = '';

    protected function setUp(): void
    {
        parent::setUp();
        if ([] === self::$secrets) {
            self::$run = bin2hex(random_bytes(5));
            self::$num = (string) random_int(100000, 999999);
            self::$secrets = [
                'intercom_client_secret' => 'ic-' . bin2hex(random_bytes(16)),
                // A Zendesk-style secret: base64-looking, used as its literal text.
                'zendesk_webhook_secret' => base64_encode(random_bytes(24)),
                'livechat_webhook_secret' => 'lc-' . bin2hex(random_bytes(12)),
                'drift_verification_token' => 'dr-' . bin2hex(random_bytes(12)),
                'tawk_webhook_secret' => bin2hex(random_bytes(20)),
            ];
            $this->saveSettings(self::$secrets);
        }
    }

    /*
     * Helpers.
     */

    /** A fixture with its ids made unique for this run. */
    private static function payload(string $path, array $replace = []): string
    {
        $file = dirname(__DIR__, 2) . '/crates/core/tests/fixtures/webhooks/' . $path;
        $body = file_get_contents($file);
        if (!is_string($body)) {
            throw new \RuntimeException("missing fixture $file");
        }
        return strtr($body, $replace);
    }

    private function post(string $platform, string $body, array $headers = []): Response
    {
        return $this->guest('vendor-' . $platform)->rest('POST', self::NS . "/chat/$platform/webhook", [], $body, $headers, true);
    }

    private static function intercomHeaders(string $body, ?string $secret = null): array
    {
        $secret ??= self::$secrets['intercom_client_secret'];
        return [
            'X-Hub-Signature' => 'sha1=' . hash_hmac('sha1', $body, $secret),
            'User-Agent' => 'intercom-parrot-service-client/1.0',
        ];
    }

    private static function zendeskHeaders(string $body, ?int $time = null): array
    {
        $ts = gmdate('Y-m-d\TH:i:s\Z', $time ?? time());
        return [
            'X-Zendesk-Webhook-Signature' => base64_encode(hash_hmac('sha256', $ts . $body, self::$secrets['zendesk_webhook_secret'], true)),
            'X-Zendesk-Webhook-Signature-Timestamp' => $ts,
            'X-Zendesk-Webhook-Id' => '01F1KRFQ6BG29CNWFR60NK5FNY',
        ];
    }

    private static function tawkHeaders(string $body, string $eventId): array
    {
        return [
            'X-Tawk-Signature' => hash_hmac('sha1', $body, self::$secrets['tawk_webhook_secret']),
            'X-Hook-Event-Id' => $eventId,
        ];
    }

    /** Posts a delivery that must be accepted; returns the ingestion result. */
    private function deliver(string $platform, string $body, array $headers, string $status = 'stored'): array
    {
        $t = microtime(true);
        $response = $this->post($platform, $body, $headers);
        $elapsed = microtime(true) - $t;
        $this->assertStatus(200, $response, "$platform delivery");
        $result = $response->json();
        $this->assertSame($status, $result['status'] ?? null, $response->describe());
        // The vendors give up after 5 seconds (Intercom); verification + ingestion is one call.
        $this->assertLessThan(5.0, $elapsed, "$platform answered in {$elapsed}s");
        return $result;
    }

    /** The conversation and its history as the administrator reads them over REST. */
    private function read(int $id): array
    {
        $admin = $this->admin();
        return [$this->getConversation($admin, $id), $this->history($admin, $id)];
    }

    /** Row counts as the administrator sees them: conversations of a platform, their messages. */
    private function totals(string $platform): array
    {
        $response = $this->admin()->rest('GET', self::NS . '/chat/conversations', ['platform' => $platform, 'limit' => 100]);
        $this->assertStatus(200, $response);
        $conversations = $response->json();
        return [count($conversations), array_sum(array_column($conversations, 'message_count'))];
    }

    /** Asserts a refused delivery and that it stored nothing. */
    private function assertRefused(string $platform, string $body, array $headers, string $reason): void
    {
        $before = $this->totals($platform);
        $response = $this->post($platform, $body, $headers);
        $this->assertError(401, 'signature_invalid', $response);
        $this->assertSame($reason, $response->json()['data']['details']['reason'] ?? null, $response->describe());
        $this->assertSame($before, $this->totals($platform), 'a refused delivery stores nothing');
    }

    /*
     * Tests.
     */

    public function testHeadAndGetAnswerForIntercomsUrlCheck(): void
    {
        // A HEAD request the way Intercom sends it (no body expected).
        $ch = curl_init(Env::baseUrl() . '/?rest_route=' . rawurlencode(self::NS . '/chat/intercom/webhook'));
        curl_setopt_array($ch, [CURLOPT_NOBODY => true, CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 20]);
        $body = curl_exec($ch);
        $status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);
        $this->assertSame(200, $status, 'HEAD on the webhook URL');
        $this->assertSame('', $body, 'HEAD has no body');
        $get = $this->guest()->rest('GET', self::NS . '/chat/tawk/webhook');
        $this->assertStatus(200, $get);
        $this->assertSame(['platform' => 'tawk'], $get->json());
        $this->assertSame(404, $this->guest()->rest('POST', self::NS . '/chat/slack/webhook', [], '{}', [], true)->status);
    }

    public function testIntercomConversationLifecycle(): void
    {
        $ids = ['"147000001"' => '"147' . self::$run . '"', 'notif_6b1d6f9a-0c2e-4b8e-9d1a-' => 'notif_' . self::$run . '-'];
        $first = null;
        foreach ([
            'conversation.user.created' => 1,
            'conversation.user.replied' => 1,
            'conversation.admin.replied' => 1,
            'conversation.admin.closed' => 1,
            'conversation.rating.added' => 0,
        ] as $topic => $messages) {
            $body = self::payload("intercom/$topic.json", $ids);
            $result = $this->deliver('intercom', $body, self::intercomHeaders($body));
            $this->assertCount($messages, $result['message_ids'], $topic);
            $first ??= $result['conversation_id'];
            $this->assertSame($first, $result['conversation_id'], "$topic: the same conversation");
        }
        [$conversation, $messages] = $this->read($first);
        $this->assertSame('intercom', $conversation['platform']);
        $this->assertSame('147' . self::$run, $conversation['platform_conversation_id']);
        $this->assertSame('closed', $conversation['status']);
        $this->assertSame(4, $conversation['rating']);
        $this->assertSame('Quick and friendly', $conversation['rating_comment']);
        $this->assertSame(600, $conversation['first_response_time']);
        $this->assertSame(1200, $conversation['resolution_time']);
        $this->assertSame('2024-05-24T12:20:00Z', $conversation['ended_at']);
        $this->assertSame(
            [['customer', '<p>Hi, can I move my massage to <b>Friday</b>?</p>'], ['customer', '<p>Any time after 3pm works for me.</p>'], ['agent', '<p>Done: Friday 4pm. See you then!</p>'], ['agent', '<p>Closing this one, have a nice day.</p>']],
            array_map(static fn(array $m): array => [$m['sender_type'], $m['body']], $messages)
        );
        $this->assertSame('Grace Hopper', $messages[2]['sender_name']);
        foreach ($messages as $m) {
            $this->assertInert($m['body']);
        }

        // Replays of every delivery: 200 "duplicate", nothing new.
        $before = $this->totals('intercom');
        foreach (['conversation.user.created', 'conversation.admin.replied', 'conversation.rating.added'] as $topic) {
            $body = self::payload("intercom/$topic.json", $ids);
            $result = $this->deliver('intercom', $body, self::intercomHeaders($body), 'duplicate');
            $this->assertSame([], $result['message_ids']);
        }
        $this->assertSame($before, $this->totals('intercom'));
        $this->assertSame($conversation, $this->read($first)[0]);
    }

    public function testIntercomForgedUnsignedAndTamperedDeliveriesAreRefused(): void
    {
        $body = self::payload('intercom/conversation.user.created.json', ['"147000001"' => '"147f' . self::$run . '"', 'notif_6b1d6f9a' => 'notif_f' . self::$run]);
        $this->assertRefused('intercom', $body, [], 'missing_signature');
        $this->assertRefused('intercom', $body, self::intercomHeaders($body, 'not-the-client-secret'), 'mismatch');
        // Signed, then changed in transit (still valid JSON).
        $tampered = str_replace('Friday', 'Sunday', $body);
        $this->assertRefused('intercom', $tampered, self::intercomHeaders($body), 'mismatch');
        // The signature covers the raw bytes: the same JSON re-encoded does not verify.
        $reencoded = json_encode(json_decode($body, true));
        $this->assertRefused('intercom', $reencoded, self::intercomHeaders($body), 'mismatch');
        // The same delivery, correctly signed, is accepted.
        $this->deliver('intercom', $body, self::intercomHeaders($body));
    }

    public function testZendeskChatEventsAndFreshness(): void
    {
        $ids = ['"58213"' => '"zd' . self::$run . '"', '"zd-evt-' => '"zd-evt-' . self::$run . '-'];
        $id = null;
        foreach (['chat.started', 'chat.message', 'chat.ended', 'chat.rating'] as $event) {
            $body = self::payload("zendesk/$event.json", $ids);
            $result = $this->deliver('zendesk', $body, self::zendeskHeaders($body));
            $id ??= $result['conversation_id'];
            $this->assertSame($id, $result['conversation_id'], $event);
        }
        [$conversation, $messages] = $this->read($id);
        $this->assertSame('zendesk', $conversation['platform']);
        $this->assertSame('closed', $conversation['status']);
        $this->assertSame(5, $conversation['rating']);
        $this->assertSame(150, $conversation['first_response_time']);
        $this->assertSame(600, $conversation['resolution_time']);
        $this->assertSame(['customer', 'agent'], array_column($messages, 'sender_type'));

        // Stale (10 minutes old) and future timestamps, correctly signed: refused.
        $body = self::payload('zendesk/chat.message.json', ['"58213"' => '"zd' . self::$run . '"', 'zd-evt-0002' => 'zd-evt-stale-' . self::$run, 'zd-msg-0002' => 'zd-msg-stale']);
        $this->assertRefused('zendesk', $body, self::zendeskHeaders($body, time() - 600), 'stale_timestamp');
        $this->assertRefused('zendesk', $body, self::zendeskHeaders($body, time() + 600), 'stale_timestamp');
        $headers = self::zendeskHeaders($body);
        unset($headers['X-Zendesk-Webhook-Signature-Timestamp']);
        $this->assertRefused('zendesk', $body, $headers, 'missing_timestamp');
        $this->assertRefused('zendesk', $body . ' ', self::zendeskHeaders($body), 'mismatch');
        $this->assertRefused('zendesk', $body, [], 'missing_signature');
        // Replayed within the window: recognised by its id.
        $again = self::payload('zendesk/chat.rating.json', $ids);
        $this->deliver('zendesk', $again, self::zendeskHeaders($again), 'duplicate');
    }

    public function testZendeskMessagingBatchWithApiKey(): void
    {
        $ids = ['f52b01137aa6c250bc7251fa' => 'ss' . self::$run, '5f74a0d52b5315fc007e798' => 'ev' . self::$run . '-'];
        $headers = ['X-API-Key' => self::$secrets['zendesk_webhook_secret']];
        $body = self::payload('zendesk/sunshine.conversation-create.json', $ids);
        $this->deliver('zendesk', $body, $headers);
        $body = self::payload('zendesk/sunshine.conversation-message.json', $ids);
        $result = $this->deliver('zendesk', $body, $headers);
        $this->assertSame(['stored', 'stored', 'ignored'], array_column($result['events'], 'status'));
        [$conversation, $messages] = $this->read($result['conversation_id']);
        $this->assertSame('Steve Rogers', $conversation['metadata']['platform_customer']['name']);
        $this->assertSame('Can I book two &lt;people&gt; for tomorrow?', $messages[0]['body']);
        $this->deliver('zendesk', $body, $headers, 'duplicate');
        $this->assertRefused('zendesk', $body, ['X-API-Key' => 'guessed'], 'mismatch');
    }

    public function testLiveChatSecretKeyInTheBody(): void
    {
        $secret = self::$secrets['livechat_webhook_secret'];
        $ids = ['lc-webhook-secret-for-tests' => $secret, 'PJ0MRSHTDG' => 'LC' . self::$run, 'QX1C2Y3Z4W' => 'TH' . self::$run];
        $id = null;
        foreach ([
            'incoming_chat' => 2,
            'incoming_event' => 1,
            'incoming_event.note' => 0,
            'incoming_event.file' => 1,
            'chat_transferred' => 0,
            'chat_properties_updated' => 0,
            'chat_deactivated' => 0,
        ] as $fixture => $count) {
            $body = self::payload("livechat/$fixture.json", $ids);
            $result = $this->deliver('livechat', $body, [], 'incoming_event.note' === $fixture ? 'ignored' : 'stored');
            $this->assertCount($count, $result['message_ids'], $fixture);
            $id ??= $result['conversation_id'];
            $this->assertSame($id, $result['conversation_id'], $fixture);
        }
        [$conversation, $messages] = $this->read($id);
        $this->assertSame('closed', $conversation['status']);
        $this->assertSame(5, $conversation['rating']);
        $this->assertSame(['system', 'customer', 'agent', 'customer'], array_column($messages, 'sender_type'));
        $this->assertSame('Agent Smith', $messages[2]['sender_name']);
        $this->assertStringEndsWith('/map.png', $messages[3]['attachment_url']);

        $body = self::payload('livechat/incoming_event.json', $ids);
        $this->deliver('livechat', $body, [], 'duplicate');
        $forged = self::payload('livechat/incoming_event.json', ['PJ0MRSHTDG' => 'LC' . self::$run, 'QX1C2Y3Z4W_2' => 'X_' . self::$run]);
        $this->assertRefused('livechat', $forged, [], 'mismatch');
        $this->assertRefused('livechat', '{"action":"incoming_event","payload":{}}', [], 'missing_signature');
    }

    public function testDriftVerificationToken(): void
    {
        $token = self::$secrets['drift_verification_token'];
        $ids = ['drift-verification-token-for-tests' => $token, '464032472' => '9' . self::$num . '1', '21035600' => '7' . self::$num];
        $id = null;
        foreach (['new_message.contact', 'new_conversation', 'new_message.user', 'new_message.private_note', 'conversation_status_updated'] as $fixture) {
            $body = self::payload("drift/$fixture.json", $ids);
            $status = in_array($fixture, ['new_message.private_note'], true) ? 'ignored' : 'stored';
            $result = $this->deliver('drift', $body, ['X-Verification-Token' => $token], $status);
            $id ??= $result['conversation_id'];
            $this->assertSame($id, $result['conversation_id'], $fixture);
        }
        [$conversation, $messages] = $this->read($id);
        $this->assertSame('closed', $conversation['status']);
        $this->assertSame(2, $conversation['message_count']);
        $this->assertSame('<p>Saturday 11am is open — shall I hold it?</p>', $messages[1]['body'], 'the script is gone');
        foreach ($messages as $m) {
            $this->assertInert($m['body']);
        }
        $body = self::payload('drift/new_message.user.json', $ids);
        $this->deliver('drift', $body, ['X-Verification-Token' => $token], 'duplicate');
        $this->assertRefused('drift', $body, ['X-Verification-Token' => 'forged'], 'mismatch');
        $unsigned = str_replace($token, 'guess', $body);
        $this->assertRefused('drift', $unsigned, [], 'mismatch');
    }

    public function testTawkStartEndTranscript(): void
    {
        $ids = ['d6a4e2c0-19f2-11ef-9a5d-3b7f3c1e9a01' => 'tk-' . self::$run];
        $id = null;
        foreach (['chat-start' => 1, 'chat-end' => 0, 'chat-transcript' => 3] as $fixture => $count) {
            $body = self::payload("tawk/$fixture.json", $ids);
            $result = $this->deliver('tawk', $body, self::tawkHeaders($body, "$fixture-" . self::$run));
            $this->assertCount($count, $result['message_ids'], $fixture);
            $id ??= $result['conversation_id'];
        }
        [$conversation, $messages] = $this->read($id);
        $this->assertSame('closed', $conversation['status']);
        $this->assertSame(4, $conversation['message_count']);
        $this->assertSame(['customer', 'system', 'agent', 'customer'], array_column($messages, 'sender_type'));
        $this->assertSame('Thanks &lt;3', $messages[3]['body']);
        // tawk.to retries with the same X-Hook-Event-Id.
        $body = self::payload('tawk/chat-transcript.json', $ids);
        $this->deliver('tawk', $body, self::tawkHeaders($body, 'chat-transcript-' . self::$run), 'duplicate');
        $headers = self::tawkHeaders($body, 'other-' . self::$run);
        $headers['X-Tawk-Signature'] = hash_hmac('sha1', $body, 'wrong-secret');
        $this->assertRefused('tawk', $body, $headers, 'mismatch');
        $this->assertRefused('tawk', $body, ['X-Hook-Event-Id' => 'unsigned-' . self::$run], 'missing_signature');
    }

    public function testMalformedButSignedDeliveriesAreBadRequestsThatStoreNothing(): void
    {
        $before = $this->totals('tawk');
        $body = '{"event":"chat:start","time":"2024-05-24T13:00:00.000Z"}';
        $response = $this->post('tawk', $body, self::tawkHeaders($body, 'bad-' . self::$run));
        $this->assertError(400, 'invalid_argument', $response);
        $this->assertSame($before, $this->totals('tawk'));
    }
}
