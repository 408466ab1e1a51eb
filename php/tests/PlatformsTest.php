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
}
