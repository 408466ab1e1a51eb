<?php
/**
 * The five vendor platforms end to end, each against its local fake (tests/fakes/): the
 * platform is configured through the settings screen, "Test connection" reaches the fake,
 * the fake delivers signed webhooks to the real WordPress route and the conversation and
 * its messages land in the unified tables (read back from MySQL); an agent's reply from the
 * inbox is posted to the vendor and its webhook echo is not stored twice; a history sync
 * brings what no webhook did; tampered, unsigned, wrongly signed, stale and replayed
 * deliveries store nothing. Then a 429 storm and an outage: the vendor's headers are
 * honoured, nothing hangs, and the admin sees the platform's health.
 */

declare(strict_types=1);

namespace BkxE2E;

final class PlatformApisTest extends E2ETestCase
{

    /** @var array<string, array{proc: resource, url: string}> */
    private static array $fakes = [];

    /** @var array<string, array<string, string>> vendor => fake credentials of this run */
    private static array $credentials = [];

    /** Other suites expect no vendor pointed anywhere: the base URLs go back to empty. */
    protected function tearDown(): void
    {
        $blank = [];
        foreach (array_keys(self::OPENING) as $vendor) {
            $blank["{$vendor}_base_url"] = '';
        }
        $this->saveSettings($blank);
        parent::tearDown();
    }

    public static function tearDownAfterClass(): void
    {
        foreach (self::$fakes as $fake) {
            proc_terminate($fake['proc']);
            proc_close($fake['proc']);
        }
        self::$fakes = [];
    }

    /** Starts the fake of `$vendor` once (random credentials); returns its URL. */
    private static function fake(string $vendor): string
    {
        if (isset(self::$fakes[$vendor])) {
            return self::$fakes[$vendor]['url'];
        }
        $r = static fn (string $p) => $p . bin2hex(random_bytes(8));
        $config = [
            'intercom' => ['access_token' => $r('ic-'), 'client_secret' => $r('ics-'), 'admin_id' => '991267459', 'app_id' => 'a86dr8yl'],
            'zendesk' => ['app_id' => $r(''), 'key_id' => $r('app_'), 'secret' => $r('zs-'), 'webhook_secret' => base64_encode(random_bytes(18))],
            'livechat' => ['account_id' => $r('acc-'), 'pat' => $r('pat-'), 'webhook_secret' => $r('lcw-')],
            'drift' => ['access_token' => $r('dt-'), 'verification_token' => $r('dv-'), 'user_id' => 228224],
            'tawk' => ['api_key' => $r('tk-'), 'webhook_secret' => $r('tw-'), 'property_id' => $r('p')],
        ][$vendor];
        $script = dirname(__DIR__) . '/fakes/server.mjs';
        $proc = proc_open(['node', $script, '--vendor', $vendor, '--config', json_encode($config)], [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        if (!is_resource($proc)) {
            throw new \RuntimeException("could not start the $vendor fake (node is required)");
        }
        $line = (string) fgets($pipes[1]);
        $url = (string) (json_decode($line, true)['url'] ?? '');
        if ('' === $url) {
            throw new \RuntimeException("the $vendor fake did not start: $line" . stream_get_contents($pipes[2]));
        }
        self::$fakes[$vendor] = ['proc' => $proc, 'url' => $url];
        self::$credentials[$vendor] = $config;
        return $url;
    }

    /** The settings that point `$vendor` at its fake, as an administrator enters them. */
    private static function settingsFor(string $vendor): array
    {
        $url = self::fake($vendor);
        $c = self::$credentials[$vendor];
        return match ($vendor) {
            'intercom' => ['intercom_api_key' => $c['access_token'], 'intercom_admin_id' => $c['admin_id'], 'intercom_client_secret' => $c['client_secret'], 'intercom_base_url' => $url],
            'zendesk' => ['zendesk_app_id' => $c['app_id'], 'zendesk_api_key' => $c['key_id'], 'zendesk_api_token' => $c['secret'], 'zendesk_subdomain' => 'fakespa', 'zendesk_webhook_secret' => $c['webhook_secret'], 'zendesk_base_url' => $url . '/sc'],
            'livechat' => ['livechat_account_id' => $c['account_id'], 'livechat_api_key' => $c['pat'], 'livechat_webhook_secret' => $c['webhook_secret'], 'livechat_base_url' => $url],
            'drift' => ['drift_api_token' => $c['access_token'], 'drift_verification_token' => $c['verification_token'], 'drift_user_id' => (string) $c['user_id'], 'drift_base_url' => $url],
            'tawk' => ['tawk_api_key' => $c['api_key'], 'tawk_property_id' => $c['property_id'], 'tawk_webhook_secret' => $c['webhook_secret'], 'tawk_base_url' => $url],
        };
    }

    /** A control call to a fake. */
    private static function control(string $vendor, string $route, array $body = []): array
    {
        $ch = curl_init(self::fake($vendor) . '/__fake/' . $route);
        curl_setopt_array($ch, [
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => json_encode($body),
            CURLOPT_HTTPHEADER => ['Content-Type: application/json'],
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT => 30,
        ]);
        $out = curl_exec($ch);
        curl_close($ch);
        $json = json_decode((string) $out, true);
        if (!is_array($json)) {
            throw new \RuntimeException("fake $vendor /__fake/$route answered: $out");
        }
        return $json;
    }

    /** The fake posts a webhook to this site's route; returns {status, body, delivery}. */
    private function webhook(string $vendor, string $event, array $data = [], string $mode = 'signed'): array
    {
        $url = Env::baseUrl() . '/?rest_route=' . rawurlencode(self::NS . "/chat/$vendor/webhook");
        return self::control($vendor, 'webhook', ['url' => $url, 'event' => $event, 'data' => $data, 'mode' => $mode]);
    }

    private static function rows(string $table, string $where = '1', array $args = []): int
    {
        $stmt = self::siteDb()->prepare('SELECT COUNT(*) FROM ' . self::siteTable($table) . " WHERE $where");
        $stmt->execute($args);
        return (int) $stmt->fetchColumn();
    }

    /** The unified conversation row of a vendor conversation, from MySQL. */
    private static function conversationRow(string $vendor, string $platformId): ?array
    {
        $stmt = self::siteDb()->prepare('SELECT * FROM ' . self::siteTable('bkx_chat_conversations') . ' WHERE platform = ? AND platform_conversation_id = ?');
        $stmt->execute([$vendor, $platformId]);
        $row = $stmt->fetch(\PDO::FETCH_ASSOC);
        return false === $row ? null : $row;
    }

    /** Bodies (tags stripped) of a conversation's messages, oldest first, from MySQL. */
    private static function bodies(int $conversationId): array
    {
        $stmt = self::siteDb()->prepare('SELECT message FROM ' . self::siteTable('bkx_chat_messages') . ' WHERE conversation_id = ? ORDER BY id');
        $stmt->execute([$conversationId]);
        return array_map(static fn ($b) => trim(strip_tags(html_entity_decode((string) $b))), $stmt->fetchAll(\PDO::FETCH_COLUMN));
    }

    /** The opening event of each vendor, and whether its API can post into a conversation. */
    private const OPENING = [
        'intercom' => ['conversation.user.created', 'conversation.admin.replied'],
        'zendesk' => ['conversation:message', 'conversation:message'],
        'livechat' => ['incoming_chat', 'incoming_event'],
        'drift' => ['new_message', 'new_message'],
        'tawk' => ['chat:start', null],
    ];

    public static function vendors(): array
    {
        return array_map(static fn ($v) => [$v], array_combine(array_keys(self::OPENING), array_keys(self::OPENING)));
    }

    /** @dataProvider vendors */
    public function testAVendorConversationRoundTripsThroughWordPress(string $vendor): void
    {
        $this->saveSettings(self::settingsFor($vendor));
        self::control($vendor, 'reset');

        // Test connection, as the settings screen does it.
        $admin = $this->admin();
        $test = $admin->rest('POST', self::NS . "/chat/platforms/$vendor/test");
        $this->assertStatus(200, $test);
        $this->assertTrue($test->json()['ok'], $test->describe());
        $this->assertSame('ok', $test->json()['health']['status'], $test->describe());

        // The customer writes on the vendor's side: a signed webhook reaches WordPress.
        [$opening, $followUp] = self::OPENING[$vendor];
        $text = "Can I book a massage for Friday? ($vendor " . bin2hex(random_bytes(3)) . ')';
        $first = $this->webhook($vendor, $opening, ['name' => 'Ada Lovelace', 'email' => 'ada-' . bin2hex(random_bytes(3)) . '@example.com', 'text' => $text]);
        $this->assertSame(200, $first['status'], json_encode($first));
        $this->assertSame('stored', $first['body']['status'] ?? null, json_encode($first['body']));
        $platformId = (string) $first['delivery']['conversation_id'];
        $row = self::conversationRow($vendor, $platformId);
        $this->assertNotNull($row, "the $vendor conversation is in the unified table");
        $id = (int) $row['id'];
        $this->assertSame((int) $first['body']['conversation_id'], $id);
        $this->assertContains($text, self::bodies($id));

        // A redelivery of the same bytes stores nothing.
        $before = self::rows('bkx_chat_messages', 'conversation_id = ?', [$id]);
        $url = Env::baseUrl() . '/?rest_route=' . rawurlencode(self::NS . "/chat/$vendor/webhook");
        $again = self::control($vendor, 'redeliver', ['url' => $url, 'delivery' => $first['delivery']]);
        $this->assertSame(200, $again['status']);
        $this->assertSame('duplicate', $again['body']['status'] ?? null, json_encode($again['body']));
        $this->assertSame($before, self::rows('bkx_chat_messages', 'conversation_id = ?', [$id]));

        // The agent answers from the inbox: stored here and posted to the vendor.
        $reply = 'Yes, Friday at 3pm is free. ' . bin2hex(random_bytes(3));
        $sent = $admin->rest('POST', self::NS . "/chat/conversations/$id/messages", [], ['body' => $reply]);
        $this->assertStatus(201, $sent);
        $delivery = $sent->json()['platform_delivery'] ?? [];
        if (null === $followUp) {
            // tawk.to's API cannot post into a chat: said plainly, the reply is kept here.
            $this->assertSame('unsupported', $delivery['status'] ?? null, $sent->describe());
        } else {
            $this->assertSame('sent', $delivery['status'] ?? null, $sent->describe());
            $this->assertStringContainsString($reply, json_encode(self::control($vendor, 'state', [])), 'the vendor has the reply');
            // The vendor's webhook about our own reply is recognised, not stored again.
            $echo = $this->webhook($vendor, $followUp, ['conversation_id' => $platformId, 'echo' => true]);
            $this->assertSame(200, $echo['status'], json_encode($echo));
            $this->assertSame([$text, $reply], array_values(array_filter(self::bodies($id), static fn ($b) => in_array($b, [$text, $reply], true))));
            $this->assertCount(1, array_keys(self::bodies($id), $reply), 'the echo of our reply is stored once');
        }
        $this->assertContains($reply, self::bodies($id));

        // Something said on the vendor's side without a webhook comes in with a sync.
        $extra = "Anything else? ($vendor " . bin2hex(random_bytes(3)) . ')';
        self::control($vendor, 'message', ['conversation_id' => $platformId, 'author' => 'agent', 'text' => $extra]);
        $sync = $admin->rest('POST', self::NS . "/chat/conversations/$id/sync");
        $this->assertStatus(200, $sync);
        $this->assertContains($extra, self::bodies($id));
        $this->assertCount(1, array_keys(self::bodies($id), $text), 'the sync does not repeat what webhooks brought');
        $sync = $admin->rest('POST', self::NS . "/chat/conversations/$id/sync");
        $this->assertStatus(200, $sync);
        $this->assertCount(1, array_keys(self::bodies($id), $extra), 'a second sync stores nothing new');

        // The vendor closes the conversation: the unified row says so.
        $closing = ['intercom' => 'conversation.admin.closed', 'livechat' => 'chat_deactivated', 'tawk' => 'chat:end'][$vendor] ?? null;
        if (null !== $closing) {
            $closed = $this->webhook($vendor, $closing, ['conversation_id' => $platformId]);
            $this->assertSame('stored', $closed['body']['status'] ?? null, json_encode($closed['body']));
            $this->assertSame('closed', self::conversationRow($vendor, $platformId)['status']);
        }

        // Only staff may sync; a customer of another conversation may not.
        $this->assertError(401, 'unauthenticated', $this->guest('sync-' . $vendor)->rest('POST', self::NS . "/chat/conversations/$id/sync"));
    }

    /** @dataProvider vendors */
    public function testForgedDeliveriesStoreNothing(string $vendor): void
    {
        $this->saveSettings(self::settingsFor($vendor));
        $opening = self::OPENING[$vendor][0];
        $modes = ['wrong_secret', 'unsigned'];
        if (in_array($vendor, ['intercom', 'tawk'], true)) {
            $modes[] = 'tampered'; // HMAC of the body: a changed byte fails
        }
        $cases = array_map(static fn ($m) => [$opening, $m], $modes);
        if ('zendesk' === $vendor) {
            // Zendesk's signed webhooks (HMAC-SHA256 over timestamp + body).
            $cases[] = ['chat.started', 'tampered'];
            $cases[] = ['chat.started', 'stale'];
            $cases[] = ['chat.started', 'wrong_secret'];
        }
        $conversations = self::rows('bkx_chat_conversations');
        $messages = self::rows('bkx_chat_messages');
        foreach ($cases as [$event, $mode]) {
            $r = $this->webhook($vendor, $event, ['text' => "forged $mode"], $mode);
            $this->assertSame(401, $r['status'], "$vendor $event $mode: " . json_encode($r['body']));
            $this->assertSame('signature_invalid', $r['body']['code'] ?? null, json_encode($r['body']));
        }
        $this->assertSame($conversations, self::rows('bkx_chat_conversations'), "$vendor: nothing stored");
        $this->assertSame($messages, self::rows('bkx_chat_messages'));
        if ('zendesk' === $vendor) {
            // The same signed trigger body, fresh: accepted (the refusals above were for the forgery).
            $ok = $this->webhook($vendor, 'chat.started', ['text' => 'a signed chat.started']);
            $this->assertSame(200, $ok['status'], json_encode($ok));
        }
    }

    public function testA429StormAndAnOutageAreSurvivedAndShownToTheAdmin(): void
    {
        $this->saveSettings(self::settingsFor('intercom') + self::settingsFor('zendesk'));
        $admin = $this->admin();

        // A short storm: the client waits what the vendor asks (X-RateLimit-Reset, 1 s), then succeeds.
        self::control('intercom', 'reset');
        self::control('intercom', 'fail', ['status' => 429, 'count' => 1, 'reset_in' => 1]);
        $t = microtime(true);
        $test = $admin->rest('POST', self::NS . '/chat/platforms/intercom/test');
        $elapsed = microtime(true) - $t;
        $this->assertTrue($test->json()['ok'], $test->describe());
        $this->assertGreaterThanOrEqual(0.9, $elapsed, 'the reset time was honoured');
        $calls = array_values(array_filter(self::control('intercom', 'requests'), static fn ($r) => '/me' === $r['path']));
        $this->assertCount(2, $calls, 'one throttled call, one retry');
        $this->assertGreaterThanOrEqual(900, $calls[1]['at'] - $calls[0]['at']);

        // A long storm (Retry-After: 10 minutes): no waiting it out, a clear answer at once.
        self::control('zendesk', 'fail', ['status' => 429, 'count' => 5, 'retry_after' => 600]);
        $t = microtime(true);
        $test = $admin->rest('POST', self::NS . '/chat/platforms/zendesk/test');
        $this->assertLessThan(3.0, microtime(true) - $t, 'a throttled vendor is not waited on');
        $json = $test->json();
        $this->assertFalse($json['ok']);
        $this->assertSame('platform_unavailable', $json['error']['code']);
        $this->assertSame('rate_limited', $json['error']['details']['reason']);
        $this->assertGreaterThanOrEqual(590, $json['error']['details']['retry_after']);
        self::control('zendesk', 'reset');

        // An outage: 503s until it ends; the test fails cleanly and the health says so.
        self::control('intercom', 'fail', ['status' => 503, 'count' => 10]);
        $test = $admin->rest('POST', self::NS . '/chat/platforms/intercom/test');
        $json = $test->json();
        $this->assertFalse($json['ok'], $test->describe());
        $this->assertSame('platform_unavailable', $json['error']['code']);
        $this->assertSame(503, $json['error']['details']['http_status']);
        $health = $admin->rest('GET', self::NS . '/chat/platforms/health');
        $this->assertStatus(200, $health);
        $intercom = $health->json()['platforms']['intercom'];
        $this->assertContains($intercom['status'], ['degraded', 'down']);
        $this->assertFalse($intercom['last_test']['ok']);
        $page = $admin->get('/wp-admin/admin.php?page=bkx-livechat')->body;
        $this->assertMatchesRegularExpression('#data-platform="intercom" data-status="(degraded|down)"#', $page);
        $this->assertStringContainsString('last test failed', $page);
        // The public pages do not call the vendor at all: as fast as ever.
        $t = microtime(true);
        $this->assertSame(200, $this->guest('outage-visitor')->get('/')->status);
        $this->assertLessThan(3.0, microtime(true) - $t);

        // Health and tests are for settings managers only.
        $this->assertError(401, 'unauthenticated', $this->guest('nosy')->rest('GET', self::NS . '/chat/platforms/health'));
        $this->assertError(403, 'forbidden', $this->agent()->rest('POST', self::NS . '/chat/platforms/intercom/test'));
        self::control('intercom', 'reset');
    }
}
