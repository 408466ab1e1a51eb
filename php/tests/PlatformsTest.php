<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\ChatPlatformInterface;
use BookingX\Addons\LiveChat\CustomPlatform;
use BookingX\Addons\LiveChat\DriftPlatform;
use BookingX\Addons\LiveChat\IntercomPlatform;
use BookingX\Addons\LiveChat\InvalidArgumentException;
use BookingX\Addons\LiveChat\LiveChatPlatform;
use BookingX\Addons\LiveChat\PlatformException;
use BookingX\Addons\LiveChat\SignatureException;
use BookingX\Addons\LiveChat\TawkPlatform;
use BookingX\Addons\LiveChat\ZendeskPlatform;

/**
 * The platform classes (`ChatPlatformInterface`): one history in the unified tables whatever
 * the platform, webhooks verified before anything is stored. Deliveries are signed here with
 * PHP's own `hash_hmac()` as the vendors document it, over the core's fixture payloads.
 */
final class PlatformsTest extends ChatTestCase
{
    private const CLASSES = [
        'custom' => CustomPlatform::class,
        'intercom' => IntercomPlatform::class,
        'zendesk' => ZendeskPlatform::class,
        'livechat' => LiveChatPlatform::class,
        'drift' => DriftPlatform::class,
        'tawk' => TawkPlatform::class,
    ];

    private static function fixture(string $path): string
    {
        $file = dirname(__DIR__, 2) . '/crates/core/tests/fixtures/webhooks/' . $path;
        $body = file_get_contents($file);
        self::assertIsString($body, $file);
        return $body;
    }

    private function config(array $credentials = []): array
    {
        return TestDb::managerConfig(static::$prefix) + ['credentials' => $credentials];
    }

    public function testEveryPlatformClassImplementsTheInterface(): void
    {
        self::assertTrue(interface_exists(ChatPlatformInterface::class));
        $methods = array_map(static fn ($m) => $m->getName(), (new ReflectionClass(ChatPlatformInterface::class))->getMethods());
        sort($methods);
        self::assertSame(['createConversation', 'getConversationHistory', 'initialize', 'receiveMessage', 'sendMessage'], $methods);
        foreach (self::CLASSES as $name => $class) {
            $p = new $class();
            self::assertInstanceOf(ChatPlatformInterface::class, $p, $class);
            $p->initialize($this->config(['api_key' => 'k']));
            self::assertSame($name, $p->describe()['platform']);
        }
    }

    public function testCustomPlatformKeepsTheWholeHistoryLocally(): void
    {
        $p = new CustomPlatform($this->config());
        $conv = $p->createConversation(['visitor_id' => self::visitorId(), 'message' => ['body' => 'Hello, is 3pm free?']]);
        self::assertSame('custom', $conv['platform']);
        $reply = $p->sendMessage((string) $conv['id'], ['sender_type' => 'agent', 'sender_id' => 7, 'body' => 'Yes, it is.']);
        self::assertSame('Yes, it is.', $reply['body']);
        $history = $p->getConversationHistory((string) $conv['id']);
        self::assertSame(['Hello, is 3pm free?', 'Yes, it is.'], array_column($history['messages'], 'body'));
        $e = $this->expectChatError(fn () => $p->receiveMessage([], '{}'), PlatformException::class, 'platform_error');
        self::assertSame('unsupported_operation', $e->getDetails()['detail'] ?? null);
    }

    public function testVendorConversationsAndMessagesAreRecordedWithTheirPlatform(): void
    {
        $p = new ZendeskPlatform($this->config(['webhook_secret' => 's']));
        $conv = $p->createConversation(['visitor_id' => self::visitorId(), 'platform_conversation_id' => 'zd-123']);
        self::assertSame('zendesk', $conv['platform']);
        self::assertSame('zd-123', $conv['platform_conversation_id']);
        $p->sendMessage((string) $conv['id'], ['sender_type' => 'customer', 'body' => 'Hi', 'platform_message_id' => 'm-1']);
        $row = self::rawRow('conversations', (int) $conv['id']);
        self::assertSame('zendesk', $row['platform']);
        self::assertSame(['Hi'], array_column($p->getConversationHistory((string) $conv['id'])['messages'], 'body'));
    }

    public function testSignedDeliveriesAreStoredOnceAndForgedOnesStoreNothing(): void
    {
        $secret = 'intercom-client-secret';
        $p = new IntercomPlatform($this->config(['webhook_secret' => $secret]));
        $body = self::fixture('intercom/conversation.user.created.json');
        $before = self::countRows('messages');
        $sig = ['X-Hub-Signature' => 'sha1=' . hash_hmac('sha1', $body, 'wrong-secret')];
        $this->expectChatError(fn () => $p->receiveMessage($sig, $body), SignatureException::class, 'signature_invalid');
        $this->expectChatError(fn () => $p->receiveMessage([], $body), SignatureException::class, 'signature_invalid');
        $signed = ['X-Hub-Signature' => 'sha1=' . hash_hmac('sha1', $body, $secret)];
        $this->expectChatError(fn () => $p->receiveMessage($signed, $body . ' '), SignatureException::class, 'signature_invalid');
        self::assertSame($before, self::countRows('messages'), 'a refused delivery stored something');

        $r = $p->receiveMessage($signed, $body);
        self::assertSame('stored', $r['status']);
        $conv = self::rawRow('conversations', (int) $r['conversation_id']);
        self::assertSame('intercom', $conv['platform']);
        self::assertNotEmpty($conv['platform_conversation_id']);
        self::assertSame('duplicate', $p->receiveMessage($signed, $body)['status']);
        self::assertSame($before + count($r['message_ids']), self::countRows('messages'));
    }

    public function testTawkAndLiveChatSchemesThroughTheirClasses(): void
    {
        $tawk = self::fixture('tawk/chat-start.json');
        $p = new TawkPlatform($this->config(['webhook_secret' => 'tawk-secret']));
        $r = $p->receiveMessage(['X-Tawk-Signature' => hash_hmac('sha1', $tawk, 'tawk-secret'), 'X-Hook-Event-Id' => 'ev-' . bin2hex(random_bytes(4))], $tawk);
        self::assertSame('stored', $r['status']);
        $history = $p->getConversationHistory((string) $r['conversation_id']);
        self::assertContains('Hi! Can I bring a friend to my 3pm session?', array_column($history['messages'], 'body'));

        $lc = self::fixture('livechat/incoming_event.json');
        $wrong = new LiveChatPlatform($this->config(['webhook_secret' => 'not-the-secret']));
        $this->expectChatError(fn () => $wrong->receiveMessage([], $lc), SignatureException::class, 'signature_invalid');
        $right = new LiveChatPlatform($this->config(['webhook_secret' => 'lc-webhook-secret-for-tests']));
        self::assertContains($right->receiveMessage([], $lc)['status'], ['stored', 'ignored']);
    }

    public function testChatManagerBuildsThePlatformItsSettingsName(): void
    {
        $native = (new \BookingX\Addons\LiveChat\ChatManager(TestDb::managerConfig(static::$prefix)))->platform();
        self::assertInstanceOf(CustomPlatform::class, $native);

        $settings = ['platform' => 'tawk', 'tawk_webhook_secret' => 'from-settings', 'tawk_base_url' => 'http://127.0.0.1:9'];
        $tawk = (new \BookingX\Addons\LiveChat\ChatManager(TestDb::managerConfig(static::$prefix, $settings)))->platform();
        self::assertInstanceOf(TawkPlatform::class, $tawk);
        self::assertInstanceOf(ChatPlatformInterface::class, $tawk);
        self::assertSame(['webhook_secret'], $tawk->describe()['credential_keys']);
        self::assertSame('http://127.0.0.1:9', $tawk->describe()['base_url']);
        // The secret from the settings verifies the vendor's signature; the stored row is tawk's.
        $body = str_replace('d6a4e2c0-19f2-11ef-9a5d-3b7f3c1e9a01', 'chat-' . bin2hex(random_bytes(8)), self::fixture('tawk/chat-start.json'));
        $r = $tawk->receiveMessage(['X-Tawk-Signature' => hash_hmac('sha1', $body, 'from-settings'), 'X-Hook-Event-Id' => 'ev-' . bin2hex(random_bytes(4))], $body);
        self::assertSame('stored', $r['status']);
        self::assertSame('tawk', self::rawRow('conversations', (int) $r['conversation_id'])['platform']);

        $settings = ['platform' => 'intercom', 'intercom_client_secret' => 'ic', 'intercom_app_id' => 'abc'];
        $intercom = (new \BookingX\Addons\LiveChat\ChatManager(TestDb::managerConfig(static::$prefix, $settings)))->platform();
        self::assertInstanceOf(IntercomPlatform::class, $intercom);
        self::assertSame(['app_id', 'client_secret', 'webhook_secret'], $intercom->describe()['credential_keys']);
    }

    public function testConfigurationIsValidatedAndNeverEchoesSecrets(): void
    {
        $this->expectChatError(fn () => new DriftPlatform(['base_url' => 'ftp://x']), InvalidArgumentException::class, 'invalid_argument');
        $this->expectChatError(fn () => (new DriftPlatform())->createConversation(['visitor_id' => self::visitorId()]), InvalidArgumentException::class, 'invalid_argument');
        $p = new DriftPlatform($this->config(['webhook_secret' => 'top-secret-token', 'oauth_token' => 'tok-123']) + ['base_url' => 'http://127.0.0.1:1']);
        $d = $p->describe();
        self::assertSame(['oauth_token', 'webhook_secret'], $d['credential_keys']);
        self::assertSame('http://127.0.0.1:1', $d['base_url']);
        self::assertStringNotContainsString('top-secret-token', json_encode($d));
        self::assertStringNotContainsString('tok-123', json_encode($d));
    }

    private static function jwtParts(string $jwt, string $secret): array
    {
        [$h, $c, $sig] = explode('.', $jwt);
        $b64 = static fn (string $s) => base64_decode(strtr($s, '-_', '+/'), false);
        self::assertTrue(hash_equals(rtrim(strtr(base64_encode(hash_hmac('sha256', "$h.$c", $secret, true)), '+/', '-_'), '='), $sig), 'the JWT verifies with the secret');
        return [json_decode($b64($h), true), json_decode($b64($c), true)];
    }

    public function testWidgetsAndIdentitiesFollowEachVendorsSchemeAndNeverShowSecrets(): void
    {
        $visitor = ['user_id' => 42, 'email' => 'ada@example.com', 'name' => 'Ada Lovelace'];

        $intercom = new IntercomPlatform(['credentials' => ['app_id' => 'a86dr8yl', 'secret_key' => 'ic-identity-secret']]);
        $e = $intercom->embedWidget($visitor);
        self::assertSame('https://widget.intercom.io/widget/a86dr8yl', $e['script_src']);
        self::assertSame('a86dr8yl', $e['settings']['app_id']);
        self::assertSame(hash_hmac('sha256', '42', 'ic-identity-secret'), $e['identity']['user_hash']);
        self::assertStringNotContainsString('ic-identity-secret', json_encode($e));
        self::assertArrayNotHasKey('identity', $intercom->embedWidget(null), 'a guest gets no identity');
        $jwtMode = new IntercomPlatform(['credentials' => ['app_id' => 'a', 'secret_key' => 'm-secret', 'identity_mode' => 'jwt']]);
        [, $claims] = self::jwtParts($jwtMode->widgetIdentity($visitor)['intercom_user_jwt'], 'm-secret');
        self::assertSame('42', $claims['user_id']);
        self::assertGreaterThan(time(), $claims['exp']);

        $zendesk = new ZendeskPlatform(['credentials' => ['widget_key' => 'zd-key', 'jwt_key_id' => 'app_65f', 'jwt_secret' => 'zd-secret']]);
        $e = $zendesk->embedWidget($visitor);
        self::assertSame('ze-snippet', $e['script_id']);
        self::assertSame('https://static.zdassets.com/ekr/snippet.js?key=zd-key', $e['script_src']);
        [$header, $claims] = self::jwtParts($e['identity']['jwt'], 'zd-secret');
        self::assertSame('app_65f', $header['kid']);
        self::assertSame(['user', '42', 'Ada Lovelace', 'ada@example.com'], [$claims['scope'], $claims['external_id'], $claims['name'], $claims['email']]);
        self::assertSame($e['identity']['jwt'], $zendesk->authenticateUser($visitor));

        $drift = new DriftPlatform(['credentials' => ['widget_id' => 'x7k2m', 'identity_secret' => 'dr-secret']]);
        [, $claims] = self::jwtParts($drift->widgetIdentity($visitor)['user_jwt'], 'dr-secret');
        self::assertSame('42', $claims['sub']);

        $tawk = new TawkPlatform(['credentials' => ['property_id' => '5f1b2c', 'widget_id' => '1abc', 'js_api_key' => str_repeat('k', 40)]]);
        $e = $tawk->embedWidget($visitor);
        self::assertSame('https://embed.tawk.to/5f1b2c/1abc', $e['script_src']);
        self::assertSame(hash_hmac('sha256', 'ada@example.com', str_repeat('k', 40)), $e['identity']['visitor']['hash']);

        $live = new LiveChatPlatform(['credentials' => ['license' => '12345678', 'group' => '2']]);
        $e = $live->embedWidget($visitor);
        self::assertSame(['license' => 12345678, 'group' => 2], $e['settings']);
        self::assertSame('ada@example.com', $e['identity']['customer']['email']);

        // Ids that would break out of the script URL, and missing secrets, are refused by name.
        $e = $this->expectChatError(fn () => (new IntercomPlatform(['credentials' => ['app_id' => 'x"><script>']]))->embedWidget(null), InvalidArgumentException::class, 'invalid_argument');
        self::assertSame('credentials.app_id', $e->getDetails()['field']);
        $e = $this->expectChatError(fn () => (new DriftPlatform(['credentials' => ['widget_id' => 'x']]))->widgetIdentity($visitor), InvalidArgumentException::class, 'invalid_argument');
        self::assertSame('credentials.identity_secret', $e->getDetails()['field']);
    }

    public function testAVendorThatCannotBeReachedNeverCostsTheLocalRecordNorHangs(): void
    {
        // Nothing listens on port 1: every call is refused at once.
        $p = new IntercomPlatform($this->config(['api_key' => 'tok']) + ['base_url' => 'http://127.0.0.1:1', 'timeout_ms' => 300]);
        $started = microtime(true);
        $conv = $p->createConversation(['visitor_id' => self::visitorId(), 'contact' => ['email' => 'ada@example.com'], 'message' => ['body' => 'Is 3pm free?']]);
        self::assertLessThan(5.0, microtime(true) - $started, 'bounded by the retry policy');
        self::assertSame('failed', $conv['platform_delivery']['status']);
        self::assertSame('platform_unavailable', $conv['platform_delivery']['error']['code']);
        self::assertSame('intercom', self::rawRow('conversations', (int) $conv['id'])['platform'], 'the conversation is kept');
        self::assertSame('Is 3pm free?', $conv['first_message']['body']);
        $health = $p->health();
        self::assertSame('degraded', $health['status']);
        self::assertGreaterThanOrEqual(1, $health['consecutive_failures']);
        $e = $this->expectChatError(fn () => $p->testConnection(), PlatformException::class, 'platform_unavailable');
        self::assertSame('intercom', $e->getDetails()['platform']);

        // Without API credentials the platform only records, and says so.
        $local = new IntercomPlatform($this->config());
        $conv = $local->createConversation(['visitor_id' => self::visitorId(), 'message' => ['body' => 'Hi']]);
        self::assertSame('local_only', $conv['platform_delivery']['status']);
        self::assertSame('unconfigured', $local->health()['status']);
        // tawk.to's API cannot open conversations: said plainly, the local one is kept.
        $tawk = new TawkPlatform($this->config(['api_key' => 'k', 'property_id' => 'p1']) + ['base_url' => 'http://127.0.0.1:1']);
        $conv = $tawk->createConversation(['visitor_id' => self::visitorId(), 'message' => ['body' => 'Hi']]);
        self::assertSame('unsupported', $conv['platform_delivery']['status']);
    }
}
