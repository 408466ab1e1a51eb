<?php
/**
 * The test database: settings from the environment, a PDO connection for assertions on the
 * raw tables, and the `ChatManager` configuration for a table prefix.
 *
 *   BKX_TEST_DB_HOST (127.0.0.1)  BKX_TEST_DB_PORT (3306)  BKX_TEST_DB_USER (root)
 *   BKX_TEST_DB_PASS ('')         BKX_TEST_DB_NAME (bkx_livechat_phpunit)
 */

declare(strict_types=1);

final class TestDb
{
    private static ?PDO $pdo = null;

    /** @return array{host: string, port: int, user: string, password: string, name: string} */
    public static function settings(): array
    {
        $env = static function (string $name, string $default): string {
            $v = getenv($name);
            return $v === false ? $default : $v;
        };
        $port = $env('BKX_TEST_DB_PORT', '3306');
        if (!ctype_digit($port)) {
            throw new RuntimeException("BKX_TEST_DB_PORT must be a port number, got '$port'");
        }
        $name = $env('BKX_TEST_DB_NAME', 'bkx_livechat_phpunit');
        if (!preg_match('/^[A-Za-z0-9_]{1,64}$/', $name)) {
            throw new RuntimeException("BKX_TEST_DB_NAME may only contain letters, digits and underscores, got '$name'");
        }
        return [
            'host' => $env('BKX_TEST_DB_HOST', '127.0.0.1'),
            'port' => (int) $port,
            'user' => $env('BKX_TEST_DB_USER', 'root'),
            'password' => $env('BKX_TEST_DB_PASS', ''),
            'name' => $name,
        ];
    }

    /** The `ChatManager` configuration for tables named `{$prefix}bkx_chat_*`. */
    public static function managerConfig(string $prefix, array $settings = []): array
    {
        $s = self::settings();
        $config = ['db' => [
            'host' => $s['host'],
            'port' => $s['port'],
            'user' => $s['user'],
            'password' => $s['password'],
            'name' => $s['name'],
            'prefix' => $prefix,
        ]];
        if ($settings !== []) {
            $config['settings'] = $settings;
        }
        return $config;
    }

    /**
     * Connects as the configured user and creates the database if it is missing. Throws with
     * a message saying what to fix: the suite must not run (or skip) without its database.
     */
    public static function bootstrap(): void
    {
        if (!extension_loaded('pdo_mysql')) {
            throw new RuntimeException('The PHPUnit suite needs the pdo_mysql extension (Debian: php-mysql).');
        }
        $s = self::settings();
        try {
            self::pdo(); // the database exists and this user may use it: nothing to create
            return;
        } catch (PDOException $e) {
            self::$pdo = null;
            // 1049: unknown database. Anything else (unreachable, bad password) is fatal.
            if (($e->errorInfo[1] ?? 0) !== 1049 && !str_contains($e->getMessage(), '1049')) {
                throw self::unreachable($s, $e);
            }
        }
        try {
            $server = new PDO(
                sprintf('mysql:host=%s;port=%d;charset=utf8mb4', $s['host'], $s['port']),
                $s['user'],
                $s['password'],
                [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION, PDO::ATTR_TIMEOUT => 5]
            );
            $server->exec(sprintf(
                'CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
                $s['name']
            ));
        } catch (PDOException $e) {
            throw self::unreachable($s, $e);
        }
        self::pdo()->query('SELECT 1');
    }

    private static function unreachable(array $s, PDOException $e): RuntimeException
    {
        return new RuntimeException(sprintf(
            'The test database is unusable (%s@%s:%d, database %s): %s. Start MariaDB or set '
            . 'BKX_TEST_DB_HOST, BKX_TEST_DB_PORT, BKX_TEST_DB_USER, BKX_TEST_DB_PASS, BKX_TEST_DB_NAME '
            . '(the user needs CREATE on that database, and CREATE DATABASE if it does not exist).',
            $s['user'],
            $s['host'],
            $s['port'],
            $s['name'],
            $e->getMessage()
        ), 0, $e);
    }

    /** A connection to the test database (reopened after `disconnect()`). */
    public static function pdo(): PDO
    {
        if (self::$pdo === null) {
            $s = self::settings();
            self::$pdo = new PDO(
                sprintf('mysql:host=%s;port=%d;dbname=%s;charset=utf8mb4', $s['host'], $s['port'], $s['name']),
                $s['user'],
                $s['password'],
                [
                    PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
                    PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC,
                    PDO::ATTR_TIMEOUT => 5,
                ]
            );
        }
        return self::$pdo;
    }

    /** Closes the PDO connection (before a fork, so the child never touches the parent's socket). */
    public static function disconnect(): void
    {
        self::$pdo = null;
    }

    /** Drops every table whose name starts with `$prefix`. */
    public static function dropTables(string $prefix): void
    {
        if (!preg_match('/^[A-Za-z0-9_]+$/', $prefix)) {
            throw new InvalidArgumentException("refusing to drop tables for the prefix '$prefix'");
        }
        $pdo = self::pdo();
        $stmt = $pdo->prepare(
            'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ?'
        );
        $stmt->execute([self::settings()['name'], str_replace('_', '\\_', $prefix) . '%']);
        $tables = $stmt->fetchAll(PDO::FETCH_COLUMN);
        if ($tables === []) {
            return;
        }
        // Never wait forever on a metadata lock: fail the suite with an error instead.
        $pdo->exec('SET SESSION lock_wait_timeout = 30');
        $pdo->exec('SET FOREIGN_KEY_CHECKS = 0');
        try {
            $pdo->exec('DROP TABLE IF EXISTS ' . implode(', ', array_map(static fn ($t) => "`$t`", $tables)));
        } finally {
            $pdo->exec('SET FOREIGN_KEY_CHECKS = 1');
        }
    }
}
