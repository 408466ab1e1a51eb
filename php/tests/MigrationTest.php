<?php

declare(strict_types=1);

/**
 * `ChatManager::migrate()`: the spec's six tables (plus the schema-version table), their
 * columns and indexes, as information_schema sees them.
 */
final class MigrationTest extends ChatTestCase
{
    protected static bool $migrate = false;

    /** The columns of the spec (section 5) plus what later migrations add, in table order. */
    private const COLUMNS = [
        'conversations' => [
            'id' => 'bigint(20) unsigned', 'platform' => 'varchar(50)', 'platform_conversation_id' => 'varchar(255)',
            'customer_id' => 'bigint(20) unsigned', 'visitor_id' => 'varchar(255)',
            'assigned_agent_id' => 'bigint(20) unsigned', 'status' => 'varchar(50)', 'rating' => 'int(11)',
            'rating_comment' => 'text', 'first_response_time' => 'int(11)', 'resolution_time' => 'int(11)',
            'message_count' => 'int(11)', 'booking_id' => 'bigint(20) unsigned', 'tags' => 'text',
            'metadata' => 'longtext', 'started_at' => 'datetime', 'ended_at' => 'datetime',
            'created_at' => 'datetime', 'updated_at' => 'datetime',
        ],
        'messages' => [
            'id' => 'bigint(20) unsigned', 'conversation_id' => 'bigint(20) unsigned',
            'platform_message_id' => 'varchar(255)', 'client_id' => 'varchar(64)',
            'sender_type' => "enum('customer','agent','system')", 'sender_id' => 'bigint(20) unsigned',
            'sender_name' => 'varchar(100)', 'message' => 'text', 'message_type' => 'varchar(50)',
            'attachment_url' => 'varchar(500)', 'is_read' => 'tinyint(1)', 'read_at' => 'datetime',
            'metadata' => 'longtext', 'sent_at' => 'datetime', 'created_at' => 'datetime',
        ],
        'agents' => [
            'id' => 'bigint(20) unsigned', 'user_id' => 'bigint(20) unsigned', 'display_name' => 'varchar(100)',
            'avatar_url' => 'varchar(500)', 'title' => 'varchar(100)', 'department' => 'varchar(100)',
            'status' => 'varchar(50)', 'max_concurrent_chats' => 'int(11)', 'current_chat_count' => 'int(11)',
            'total_chats' => 'int(11)', 'average_rating' => 'decimal(3,2)', 'average_response_time' => 'int(11)',
            'availability_schedule' => 'longtext', 'is_active' => 'tinyint(1)', 'last_active_at' => 'datetime',
            'created_at' => 'datetime', 'updated_at' => 'datetime',
        ],
        'triggers' => [
            'id' => 'bigint(20) unsigned', 'name' => 'varchar(100)', 'trigger_type' => 'varchar(50)',
            'conditions' => 'longtext', 'message' => 'text', 'delay_seconds' => 'int(11)', 'priority' => 'int(11)',
            'is_active' => 'tinyint(1)', 'trigger_count' => 'int(11)', 'conversion_count' => 'int(11)',
            'created_at' => 'datetime', 'updated_at' => 'datetime',
            // Schema version 6: variants, caps and the loader's pre-filter.
            'settings' => 'longtext',
        ],
        'canned_responses' => [
            'id' => 'bigint(20) unsigned', 'shortcut' => 'varchar(50)', 'title' => 'varchar(100)',
            'message' => 'text', 'category' => 'varchar(50)', 'usage_count' => 'int(11)',
            'created_by' => 'bigint(20) unsigned', 'is_active' => 'tinyint(1)', 'created_at' => 'datetime',
            'updated_at' => 'datetime',
        ],
        'analytics' => [
            'id' => 'bigint(20) unsigned', 'date' => 'date', 'platform' => 'varchar(50)',
            'total_conversations' => 'int(11)', 'total_messages' => 'int(11)', 'total_proactive_chats' => 'int(11)',
            'total_reactive_chats' => 'int(11)', 'average_response_time' => 'int(11)',
            'average_resolution_time' => 'int(11)', 'customer_satisfaction' => 'decimal(3,2)',
            'conversion_rate' => 'decimal(5,2)', 'bookings_created' => 'int(11)', 'created_at' => 'datetime',
        ],
        // Schema version 3: files shared in the native chat.
        'attachments' => [
            'id' => 'bigint(20) unsigned', 'conversation_id' => 'bigint(20) unsigned',
            'message_id' => 'bigint(20) unsigned', 'storage_name' => 'char(32)', 'original_name' => 'varchar(255)',
            'mime' => 'varchar(100)', 'size' => 'int(10) unsigned', 'sha256' => 'char(64)',
            'scan_status' => 'varchar(20)', 'uploader_type' => 'varchar(20)', 'uploader_id' => 'bigint(20) unsigned',
            'visitor_id' => 'varchar(64)', 'created_at' => 'datetime',
        ],
        // Schema version 4: the event ids of vendor webhook deliveries.
        'webhook_events' => [
            'id' => 'bigint(20) unsigned', 'platform' => 'varchar(50)', 'event_id' => 'varchar(191)',
            'event_type' => 'varchar(100)', 'status' => 'varchar(20)', 'conversation_id' => 'bigint(20) unsigned',
            'received_at' => 'datetime',
        ],
        // Schema version 5: slots held for a conversation while it offers them.
        'booking_holds' => [
            'id' => 'varchar(32)', 'conversation_id' => 'bigint(20) unsigned', 'resource_id' => 'bigint(20) unsigned',
            'service_id' => 'bigint(20) unsigned', 'starts_at' => 'datetime', 'ends_at' => 'datetime',
            'expires_at' => 'datetime', 'created_at' => 'datetime',
        ],
        // Schema version 6: what visitors were offered and did with proactive prompts.
        'trigger_events' => [
            'id' => 'bigint(20) unsigned', 'rule_id' => 'bigint(20) unsigned', 'variant' => 'varchar(2)',
            'event' => 'varchar(20)', 'visitor_hash' => 'char(32)', 'conversation_id' => 'bigint(20) unsigned',
            'created_at' => 'datetime',
        ],
    ];

    /** NOT NULL columns of the spec (besides the primary keys). */
    private const NOT_NULL = [
        'conversations' => ['platform', 'status', 'started_at', 'created_at', 'updated_at'],
        'messages' => ['conversation_id', 'sender_type', 'message', 'sent_at', 'created_at'],
        'agents' => ['user_id', 'display_name', 'created_at', 'updated_at'],
        'triggers' => ['name', 'trigger_type', 'conditions', 'message', 'created_at', 'updated_at'],
        'canned_responses' => ['shortcut', 'title', 'message', 'created_at', 'updated_at'],
        'analytics' => ['date', 'platform', 'created_at'],
        'attachments' => [
            'conversation_id', 'storage_name', 'original_name', 'mime', 'size', 'sha256', 'scan_status',
            'uploader_type', 'created_at',
        ],
        'webhook_events' => ['platform', 'event_id', 'status', 'received_at'],
        'booking_holds' => ['conversation_id', 'resource_id', 'service_id', 'starts_at', 'ends_at', 'expires_at', 'created_at'],
        'trigger_events' => ['rule_id', 'variant', 'event', 'visitor_hash', 'created_at'],
    ];

    /** Index name => [columns in order, unique?, type]. */
    private const INDEXES = [
        'conversations' => [
            'PRIMARY' => [['id'], true, 'BTREE'],
            'platform_idx' => [['platform'], false, 'BTREE'],
            'customer_id_idx' => [['customer_id'], false, 'BTREE'],
            'agent_id_idx' => [['assigned_agent_id'], false, 'BTREE'],
            'status_idx' => [['status'], false, 'BTREE'],
            'started_at_idx' => [['started_at'], false, 'BTREE'],
            'booking_id_idx' => [['booking_id'], false, 'BTREE'],
        ],
        'messages' => [
            'PRIMARY' => [['id'], true, 'BTREE'],
            'conversation_id_idx' => [['conversation_id'], false, 'BTREE'],
            'sender_type_idx' => [['sender_type'], false, 'BTREE'],
            'sent_at_idx' => [['sent_at'], false, 'BTREE'],
            'is_read_idx' => [['is_read'], false, 'BTREE'],
            'conversation_client_uq' => [['conversation_id', 'client_id'], true, 'BTREE'],
            'message_ft' => [['message'], false, 'FULLTEXT'],
            // Schema version 4: a vendor message is stored once per conversation.
            'conversation_platform_message_uq' => [['conversation_id', 'platform_message_id'], true, 'BTREE'],
        ],
        'agents' => [
            'PRIMARY' => [['id'], true, 'BTREE'],
            'user_id_idx' => [['user_id'], false, 'BTREE'],
            'status_idx' => [['status'], false, 'BTREE'],
            'department_idx' => [['department'], false, 'BTREE'],
            'is_active_idx' => [['is_active'], false, 'BTREE'],
        ],
        'triggers' => [
            'PRIMARY' => [['id'], true, 'BTREE'],
            'trigger_type_idx' => [['trigger_type'], false, 'BTREE'],
            'is_active_idx' => [['is_active'], false, 'BTREE'],
            'priority_idx' => [['priority'], false, 'BTREE'],
        ],
        'canned_responses' => [
            'PRIMARY' => [['id'], true, 'BTREE'],
            'shortcut_idx' => [['shortcut'], false, 'BTREE'],
            'category_idx' => [['category'], false, 'BTREE'],
            'is_active_idx' => [['is_active'], false, 'BTREE'],
        ],
        'analytics' => [
            'PRIMARY' => [['id'], true, 'BTREE'],
            'date_platform_unique' => [['date', 'platform'], true, 'BTREE'],
            'date_idx' => [['date'], false, 'BTREE'],
            'platform_idx' => [['platform'], false, 'BTREE'],
        ],
        'attachments' => [
            'PRIMARY' => [['id'], true, 'BTREE'],
            'storage_name_uq' => [['storage_name'], true, 'BTREE'],
            'message_id_uq' => [['message_id'], true, 'BTREE'],
            'conversation_id_idx' => [['conversation_id'], false, 'BTREE'],
            'created_at_idx' => [['created_at'], false, 'BTREE'],
        ],
        'webhook_events' => [
            'PRIMARY' => [['id'], true, 'BTREE'],
            'platform_event_uq' => [['platform', 'event_id'], true, 'BTREE'],
            'received_at_idx' => [['received_at'], false, 'BTREE'],
        ],
    ];

    /** MySQL 8 drops the display width of integer types (but tinyint(1)); MariaDB keeps it. */
    private static function normaliseType(string $type): string
    {
        return preg_replace('/\b(bigint|int|smallint|mediumint)\(\d+\)/', '$1', strtolower($type));
    }

    private static function dbName(): string
    {
        return TestDb::settings()['name'];
    }

    /** @return array<string, string> CREATE TABLE statements of every table of this prefix */
    private static function schemaSnapshot(): array
    {
        $stmt = self::pdo()->prepare(
            'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ? ORDER BY TABLE_NAME'
        );
        $stmt->execute([self::dbName(), str_replace('_', '\\_', static::$prefix) . '%']);
        $out = [];
        foreach ($stmt->fetchAll(PDO::FETCH_COLUMN) as $t) {
            $create = self::pdo()->query("SHOW CREATE TABLE `$t`")->fetch(PDO::FETCH_NUM)[1];
            // AUTO_INCREMENT counters are data, not schema.
            $out[$t] = preg_replace('/ AUTO_INCREMENT=\d+/', '', $create);
        }
        return $out;
    }

    public function testFreshPrefixHasNoTablesAndVersionZero(): void
    {
        self::assertSame([], self::schemaSnapshot());
        $v = $this->chat()->schemaVersion();
        self::assertSame(0, $v['current']);
        self::assertIsInt($v['latest']);
        self::assertGreaterThanOrEqual(2, $v['latest']);
    }

    /** @depends testFreshPrefixHasNoTablesAndVersionZero */
    public function testMigrateReturnsTheLatestVersion(): void
    {
        $latest = $this->chat()->schemaVersion()['latest'];
        self::assertSame($latest, $this->chat()->migrate());
        self::assertSame(['current' => $latest, 'latest' => $latest], $this->chat()->schemaVersion());

        $rows = self::pdo()->query('SELECT version, description, applied_at FROM `' . self::table('schema_version') . '` ORDER BY version')->fetchAll();
        self::assertSame(range(1, $latest), array_map('intval', array_column($rows, 'version')));
        foreach ($rows as $row) {
            self::assertNotSame('', $row['description']);
            self::assertMatchesRegularExpression('/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/', $row['applied_at']);
        }
    }

    /** @depends testMigrateReturnsTheLatestVersion */
    public function testMigrateIsIdempotent(): void
    {
        $before = self::schemaSnapshot();
        $versions = self::countRows('schema_version');
        $latest = $this->chat()->schemaVersion()['latest'];
        for ($i = 0; $i < 3; $i++) {
            self::assertSame($latest, $this->chat()->migrate());
        }
        self::assertSame($before, self::schemaSnapshot(), 'migrate() changed the schema on a second run');
        self::assertSame($versions, self::countRows('schema_version'));

        // A second manager (another process in production) sees the same and changes nothing.
        $other = new \BookingX\Addons\LiveChat\ChatManager(TestDb::managerConfig(static::$prefix));
        self::assertSame($latest, $other->migrate());
        self::assertSame($before, self::schemaSnapshot());
    }

    /** @depends testMigrateReturnsTheLatestVersion */
    public function testTablesExistAsInnoDbUtf8mb4(): void
    {
        $stmt = self::pdo()->prepare(
            'SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ?'
        );
        $stmt->execute([self::dbName(), str_replace('_', '\\_', static::$prefix) . '%']);
        $tables = [];
        foreach ($stmt->fetchAll() as $row) {
            $tables[$row['TABLE_NAME']] = $row;
        }
        $expected = array_map([self::class, 'table'], array_merge(array_keys(self::COLUMNS), ['schema_version']));
        sort($expected);
        $names = array_keys($tables);
        sort($names);
        self::assertSame($expected, $names);
        foreach ($tables as $name => $row) {
            self::assertSame('InnoDB', $row['ENGINE'], $name);
            self::assertSame('utf8mb4_unicode_ci', $row['TABLE_COLLATION'], $name);
        }
    }

    /** @depends testMigrateReturnsTheLatestVersion */
    public function testColumnsMatchTheSpec(): void
    {
        foreach (self::COLUMNS as $suffix => $columns) {
            $stmt = self::pdo()->prepare(
                'SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, EXTRA FROM information_schema.COLUMNS
                 WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION'
            );
            $stmt->execute([self::dbName(), self::table($suffix)]);
            $actual = [];
            $nullable = [];
            foreach ($stmt->fetchAll() as $row) {
                $actual[$row['COLUMN_NAME']] = self::normaliseType($row['COLUMN_TYPE']);
                $nullable[$row['COLUMN_NAME']] = $row['IS_NULLABLE'] === 'YES';
                // Numeric ids count up; a hold's id is a random token.
                if ($row['COLUMN_NAME'] === 'id' && str_starts_with($row['COLUMN_TYPE'], 'bigint')) {
                    self::assertStringContainsString('auto_increment', $row['EXTRA'], "$suffix.id");
                }
            }
            self::assertSame(array_map([self::class, 'normaliseType'], $columns), $actual, "columns of $suffix");
            foreach (self::NOT_NULL[$suffix] as $column) {
                self::assertFalse($nullable[$column], "$suffix.$column must be NOT NULL");
            }
        }
    }

    /** @depends testMigrateReturnsTheLatestVersion */
    public function testIndexesMatchTheSpecIncludingFullText(): void
    {
        foreach (self::INDEXES as $suffix => $indexes) {
            $stmt = self::pdo()->prepare(
                'SELECT INDEX_NAME, COLUMN_NAME, NON_UNIQUE, INDEX_TYPE, SEQ_IN_INDEX FROM information_schema.STATISTICS
                 WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX'
            );
            $stmt->execute([self::dbName(), self::table($suffix)]);
            $actual = [];
            foreach ($stmt->fetchAll() as $row) {
                $actual[$row['INDEX_NAME']][0][] = $row['COLUMN_NAME'];
                $actual[$row['INDEX_NAME']][1] = (int) $row['NON_UNIQUE'] === 0;
                $actual[$row['INDEX_NAME']][2] = $row['INDEX_TYPE'];
            }
            foreach ($indexes as $name => $spec) {
                self::assertArrayHasKey($name, $actual, "index $name on $suffix");
                self::assertSame($spec, $actual[$name], "index $name on $suffix");
            }
        }
        // The UNIQUE columns of the spec (agents.user_id, canned_responses.shortcut).
        foreach (['agents' => 'user_id', 'canned_responses' => 'shortcut'] as $suffix => $column) {
            $stmt = self::pdo()->prepare(
                'SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
                 AND COLUMN_NAME = ? AND NON_UNIQUE = 0 AND SEQ_IN_INDEX = 1'
            );
            $stmt->execute([self::dbName(), self::table($suffix), $column]);
            self::assertGreaterThan(0, (int) $stmt->fetchColumn(), "$suffix.$column must be UNIQUE");
        }
    }

    /** @depends testMigrateReturnsTheLatestVersion */
    public function testMessagesReferenceConversationsWithCascade(): void
    {
        $stmt = self::pdo()->prepare(
            'SELECT rc.DELETE_RULE, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME
             FROM information_schema.REFERENTIAL_CONSTRAINTS rc
             JOIN information_schema.KEY_COLUMN_USAGE k
               ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME
              AND k.TABLE_NAME = rc.TABLE_NAME
             WHERE rc.CONSTRAINT_SCHEMA = ? AND rc.TABLE_NAME = ?'
        );
        $stmt->execute([self::dbName(), self::table('messages')]);
        self::assertSame([[
            'DELETE_RULE' => 'CASCADE',
            'COLUMN_NAME' => 'conversation_id',
            'REFERENCED_TABLE_NAME' => self::table('conversations'),
            'REFERENCED_COLUMN_NAME' => 'id',
        ]], $stmt->fetchAll());

        $c = $this->newConversation(['message' => 'first']);
        self::assertSame(1, self::countRows('messages', ['conversation_id' => $c['id']]));
        self::pdo()->prepare('DELETE FROM `' . self::table('conversations') . '` WHERE id = ?')->execute([$c['id']]);
        self::assertSame(0, self::countRows('messages', ['conversation_id' => $c['id']]));
    }

    /** @depends testMigrateReturnsTheLatestVersion */
    public function testAttachmentsReferenceConversationsAndMessages(): void
    {
        $stmt = self::pdo()->prepare(
            'SELECT k.COLUMN_NAME, rc.DELETE_RULE, k.REFERENCED_TABLE_NAME
             FROM information_schema.REFERENTIAL_CONSTRAINTS rc
             JOIN information_schema.KEY_COLUMN_USAGE k
               ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME
              AND k.TABLE_NAME = rc.TABLE_NAME
             WHERE rc.CONSTRAINT_SCHEMA = ? AND rc.TABLE_NAME = ? ORDER BY k.COLUMN_NAME'
        );
        $stmt->execute([self::dbName(), self::table('attachments')]);
        self::assertSame([
            ['COLUMN_NAME' => 'conversation_id', 'DELETE_RULE' => 'CASCADE', 'REFERENCED_TABLE_NAME' => self::table('conversations')],
            ['COLUMN_NAME' => 'message_id', 'DELETE_RULE' => 'SET NULL', 'REFERENCED_TABLE_NAME' => self::table('messages')],
        ], $stmt->fetchAll());
    }

    /** @depends testMigrateReturnsTheLatestVersion */
    public function testSchemaVersionTable(): void
    {
        $stmt = self::pdo()->prepare(
            'SELECT COLUMN_NAME, COLUMN_KEY FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION'
        );
        $stmt->execute([self::dbName(), self::table('schema_version')]);
        $cols = $stmt->fetchAll(PDO::FETCH_KEY_PAIR);
        self::assertSame(['version', 'description', 'applied_at'], array_keys($cols));
        self::assertSame('PRI', $cols['version']);
    }

    /** @depends testMigrateReturnsTheLatestVersion */
    public function testFullTextIndexIsUsable(): void
    {
        $c = $this->newConversation();
        $this->chat()->sendMessage($c['id'], ['sender_type' => 'customer', 'body' => 'I would like a deep tissue massage']);
        $this->chat()->sendMessage($c['id'], ['sender_type' => 'agent', 'body' => 'Sure, which day suits you?']);
        $stmt = self::pdo()->prepare(
            'SELECT message FROM `' . self::table('messages') . '` WHERE conversation_id = ? AND MATCH(message) AGAINST (? IN BOOLEAN MODE)'
        );
        $stmt->execute([$c['id'], '+massage']);
        self::assertSame(['I would like a deep tissue massage'], $stmt->fetchAll(PDO::FETCH_COLUMN));
    }

    public function testAnotherPrefixIsIndependent(): void
    {
        $prefix = 't' . bin2hex(random_bytes(4)) . '_';
        try {
            $m = new \BookingX\Addons\LiveChat\ChatManager(TestDb::managerConfig($prefix));
            self::assertSame(0, $m->schemaVersion()['current']);
            self::assertSame($m->schemaVersion()['latest'], $m->migrate());
            self::assertSame(0, self::pdo()->query('SELECT COUNT(*) FROM `' . $prefix . 'bkx_chat_conversations`')->fetchColumn() + 0);
        } finally {
            TestDb::dropTables($prefix);
        }
    }
}
