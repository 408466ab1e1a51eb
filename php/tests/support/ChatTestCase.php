<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\ChatException;
use BookingX\Addons\LiveChat\ChatManager;
use PHPUnit\Framework\TestCase;

/**
 * Base class of the tests that use the database: every test class gets its own table prefix
 * (`t{random}_`), migrated tables under it, and drops them afterwards.
 */
abstract class ChatTestCase extends TestCase
{
    protected static string $prefix = '';
    protected static ?ChatManager $chat = null;

    /** Whether setUpBeforeClass migrates (the migration tests start from nothing). */
    protected static bool $migrate = true;

    public static function setUpBeforeClass(): void
    {
        static::$prefix = 't' . bin2hex(random_bytes(4)) . '_';
        static::$chat = new ChatManager(TestDb::managerConfig(static::$prefix));
        if (static::$migrate) {
            static::$chat->migrate();
        }
    }

    public static function tearDownAfterClass(): void
    {
        if (static::$chat !== null) {
            // One more call lets the module finish work it deferred to its next call (see
            // KnownBugsTest::testFailedWriteDoesNotKeepLocks): a transaction a failed call
            // left open would otherwise hold metadata locks and block DROP TABLE.
            static::settleManager(static::$chat);
        }
        if (static::$prefix !== '') {
            TestDb::dropTables(static::$prefix);
        }
        static::$chat = null;
    }

    /** A cheap call that runs the module's I/O loop once. */
    protected static function settleManager(ChatManager $chat): void
    {
        try {
            $chat->schemaVersion();
        } catch (ChatException) {
            // Only the side effect matters here.
        }
    }

    protected function chat(): ChatManager
    {
        self::assertNotNull(static::$chat, 'setUpBeforeClass did not run');
        return static::$chat;
    }

    /** The prefixed name of a chat table: `table('messages')` → `t1a2b3c4_bkx_chat_messages`. */
    protected static function table(string $suffix): string
    {
        return static::$prefix . 'bkx_chat_' . $suffix;
    }

    protected static function pdo(): PDO
    {
        return TestDb::pdo();
    }

    /** Row count of a chat table, optionally restricted by `column = value` pairs. */
    protected static function countRows(string $suffix, array $where = []): int
    {
        $sql = 'SELECT COUNT(*) FROM `' . self::table($suffix) . '`';
        if ($where !== []) {
            $sql .= ' WHERE ' . implode(' AND ', array_map(static fn ($c) => "`$c` = ?", array_keys($where)));
        }
        $stmt = self::pdo()->prepare($sql);
        $stmt->execute(array_values($where));
        return (int) $stmt->fetchColumn();
    }

    /** A raw row of a chat table. */
    protected static function rawRow(string $suffix, int $id): array
    {
        $stmt = self::pdo()->prepare('SELECT * FROM `' . self::table($suffix) . '` WHERE id = ?');
        $stmt->execute([$id]);
        $row = $stmt->fetch();
        self::assertIsArray($row, "no row $id in " . self::table($suffix));
        return $row;
    }

    /** A fresh visitor id (8–64 characters of [A-Za-z0-9_-]). */
    protected static function visitorId(): string
    {
        return 'visitor-' . bin2hex(random_bytes(6));
    }

    /** Starts a conversation for a fresh visitor; `$data` overrides or adds keys. */
    protected function newConversation(array $data = []): array
    {
        return $this->chat()->createConversation($data + ['visitor_id' => self::visitorId()]);
    }

    /**
     * Runs `$call`, asserts it throws `$class` with the error code `$code`, and returns the
     * exception for further checks.
     *
     * @template T of ChatException
     * @param class-string<T> $class
     * @return T
     */
    protected function expectChatError(callable $call, string $class, string $code): ChatException
    {
        try {
            $call();
        } catch (ChatException $e) {
            self::assertInstanceOf($class, $e, 'unexpected exception class: ' . get_class($e) . ': ' . $e->getMessage());
            self::assertSame($code, $e->getErrorCode(), 'unexpected error code; message: ' . $e->getMessage());
            return $e;
        }
        self::fail("expected $class ($code), but nothing was thrown");
    }

    /**
     * Asserts that `$call` throws `$class`/`$code` and leaves the conversation exactly as it
     * was: same message_count and updated_at, same history, same number of message rows.
     */
    protected function assertRejectedWithoutWrite(int $conversationId, callable $call, string $class, string $code): ChatException
    {
        $before = $this->chat()->getConversation($conversationId);
        $history = $this->chat()->getMessages($conversationId, ['limit' => 100]);
        $rows = self::countRows('messages');
        $convRows = self::countRows('conversations');

        $e = $this->expectChatError($call, $class, $code);

        self::assertSame($before, $this->chat()->getConversation($conversationId), 'the conversation changed');
        self::assertSame($history, $this->chat()->getMessages($conversationId, ['limit' => 100]), 'the history changed');
        self::assertSame($rows, self::countRows('messages'), 'a message row was written');
        self::assertSame($convRows, self::countRows('conversations'), 'a conversation row was written');
        return $e;
    }
}
