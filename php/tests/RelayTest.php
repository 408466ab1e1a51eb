<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\ChatManager;
use BookingX\Addons\LiveChat\InvalidArgumentException;

/**
 * `ChatManager` with `config['chatd']` tells the daemon about the writes it commits (the
 * relay), so live sockets see messages written from PHP; a dead daemon costs nothing.
 */
final class RelayTest extends ChatTestCase
{
    private const SECRET = 'relay-test-secret-0123456789abcdef';

    /** @var resource|null */
    private static $server = null;
    private static int $port = 0;
    private static string $log = '';

    public static function setUpBeforeClass(): void
    {
        parent::setUpBeforeClass();
        self::$log = tempnam(sys_get_temp_dir(), 'bkx-relay-');
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        self::$port = (int) substr((string) stream_socket_get_name($probe, false), strrpos((string) stream_socket_get_name($probe, false), ':') + 1);
        fclose($probe);
        $cmd = [PHP_BINARY, '-n', '-S', '127.0.0.1:' . self::$port, __DIR__ . '/fixtures/relay-capture.php'];
        $env = ['BKX_RELAY_LOG' => self::$log, 'PATH' => (string) getenv('PATH')];
        self::$server = proc_open($cmd, [0 => ['pipe', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes, null, $env);
        $deadline = microtime(true) + 10;
        while (@fsockopen('127.0.0.1', self::$port) === false) {
            if (microtime(true) > $deadline) {
                self::fail('the capture server (php -S) did not start');
            }
            usleep(20_000);
        }
    }

    public static function tearDownAfterClass(): void
    {
        if (is_resource(self::$server)) {
            proc_terminate(self::$server);
            proc_close(self::$server);
        }
        @unlink(self::$log);
        parent::tearDownAfterClass();
    }

    private function relayed(string $url): ChatManager
    {
        $config = TestDb::managerConfig(static::$prefix);
        $config['chatd'] = ['url' => $url, 'secret' => self::SECRET];
        return new ChatManager($config);
    }

    /** @return list<array{path: string, method: string, signature: ?string, body: string}> */
    private function notices(): array
    {
        clearstatcache();
        $lines = array_filter(explode("\n", (string) file_get_contents(self::$log)));
        return array_values(array_map(static fn ($l) => json_decode($l, true), $lines));
    }

    private static function verify(?string $header, string $body): bool
    {
        if ($header === null || !preg_match('/^t=(\d+),v1=([0-9a-f]{64})$/', $header, $m)) {
            return false;
        }
        $key = hash_hmac('sha256', 'bkx-chatd relay v1', self::SECRET, true);
        return abs(time() - (int) $m[1]) < 300
            && hash_equals(hash_hmac('sha256', $m[1] . '.' . $body, $key), $m[2]);
    }

    public function testCommittedWritesAreAnnouncedWithSignedIdOnlyNotices(): void
    {
        file_put_contents(self::$log, '');
        $chat = $this->relayed('http://127.0.0.1:' . self::$port);
        $conv = $chat->createConversation(['visitor_id' => 'visitor-relay-1', 'message' => 'Hi there']);
        $msg = $chat->sendMessage($conv['id'], ['sender_type' => 'agent', 'sender_id' => 3, 'body' => 'Hello from PHP']);
        $chat->closeConversation($conv['id']);

        $notices = $this->notices();
        self::assertCount(3, $notices, 'one notice per committed write');
        foreach ($notices as $n) {
            self::assertSame('/internal/notify', $n['path']);
            self::assertSame('POST', $n['method']);
            self::assertTrue(self::verify($n['signature'], $n['body']), 'signed with the key derived from the shared secret');
            self::assertStringNotContainsString('Hello from PHP', $n['body'], 'notices carry ids, never content');
        }
        $events = array_merge(...array_map(static fn ($n) => json_decode($n['body'], true)['events'], $notices));
        self::assertSame([
            ['type' => 'conversation:queued', 'conversation_id' => $conv['id']],
            ['type' => 'message:new', 'conversation_id' => $conv['id'], 'message_id' => $this->firstMessageId($chat, $conv['id'])],
            ['type' => 'message:new', 'conversation_id' => $conv['id'], 'message_id' => $msg['id']],
            ['type' => 'conversation:updated', 'conversation_id' => $conv['id']],
        ], $events);
    }

    private function firstMessageId(ChatManager $chat, int $conversationId): int
    {
        return $chat->getMessages($conversationId, ['limit' => 100])[0]['id'];
    }

    public function testARetriedSendIsNotAnnouncedTwice(): void
    {
        $chat = $this->relayed('http://127.0.0.1:' . self::$port);
        $conv = $chat->createConversation(['visitor_id' => 'visitor-relay-2']);
        file_put_contents(self::$log, '');
        $m = ['sender_type' => 'customer', 'body' => 'once', 'client_id' => 'c-relay-1'];
        $chat->sendMessage($conv['id'], $m);
        $chat->sendMessage($conv['id'], $m);
        self::assertCount(1, $this->notices());
    }

    public function testADeadDaemonNeverFailsOrSlowsTheWrite(): void
    {
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        $name = (string) stream_socket_get_name($probe, false);
        fclose($probe); // nobody listens there now
        $chat = $this->relayed('http://' . $name);
        $conv = $chat->createConversation(['visitor_id' => 'visitor-relay-3']);
        $t = microtime(true);
        for ($i = 0; $i < 20; $i++) {
            $chat->sendMessage($conv['id'], ['sender_type' => 'customer', 'body' => "m$i"]);
        }
        $elapsed = microtime(true) - $t;
        self::assertSame(20, $chat->getConversation($conv['id'])['message_count']);
        // After the first refused notice the relay pauses: twenty writes take well under
        // the per-notice timeout (0.8 s) each.
        self::assertLessThan(5.0, $elapsed);
    }

    public function testABadDaemonUrlIsRefusedAtConstruction(): void
    {
        $this->expectException(InvalidArgumentException::class);
        $this->relayed('ftp://127.0.0.1:1');
    }
}
