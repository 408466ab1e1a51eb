<?php
/**
 * The site under test, checked once per run, and its logged-in actors.
 *
 * Environment:
 *   BKX_TEST_URL          base URL of a running WordPress with the plugin active
 *   BKX_TEST_ADMIN_USER   an administrator's login
 *   BKX_TEST_ADMIN_PASS   its password
 *   BKX_TEST_WP_PATH      (optional) the WordPress folder: test users are then created with
 *                         fixtures/make-users.php; without it, through the REST API as admin
 *
 * Nothing here skips: a missing variable or an unreachable site becomes a setup error that
 * every test reports as a failure.
 */

declare(strict_types=1);

namespace BkxE2E;

final class Env
{
    private static bool $initialised = false;
    private static string $error = '';
    private static string $baseUrl = '';
    /** @var array<string, array{password: string, role: string, email: string, display_name: string}> */
    private static array $users = [];
    /** @var array<string, int> login => user id */
    private static array $userIds = [];
    /** @var array<string, HttpClient> */
    private static array $actors = [];

    public static function init(): void
    {
        if (self::$initialised) {
            return;
        }
        self::$initialised = true;
        self::$users = require dirname(__DIR__) . '/fixtures/users.php';
        try {
            self::setUp();
        } catch (\Throwable $e) {
            self::$error = $e->getMessage();
        }
        if ('' !== self::$error) {
            fwrite(STDERR, "\nEND-TO-END SETUP FAILED: " . self::$error . "\n\n");
        }
    }

    public static function error(): string
    {
        return self::$error;
    }

    public static function baseUrl(): string
    {
        return self::$baseUrl;
    }

    public static function userId(string $login): int
    {
        return self::$userIds[$login] ?? 0;
    }

    /** @return array{password: string, role: string, email: string, display_name: string} */
    public static function user(string $login): array
    {
        return self::$users[$login];
    }

    /** A fresh guest (no cookies). */
    public static function guest(string $name = 'guest'): HttpClient
    {
        return new HttpClient(self::$baseUrl, $name);
    }

    /** The administrator, logged in (cached for the run). */
    public static function admin(): HttpClient
    {
        return self::$actors['admin'] ??= self::login(
            (string) getenv('BKX_TEST_ADMIN_USER'),
            (string) getenv('BKX_TEST_ADMIN_PASS')
        );
    }

    /** A fixture user (agent1, customer1, customer2), logged in (cached for the run). */
    public static function actor(string $login): HttpClient
    {
        return self::$actors[$login] ??= self::login($login, self::$users[$login]['password']);
    }

    /**
     * Logs in through wp-login.php with real cookies and fetches the REST nonce from
     * admin-ajax.php?action=rest-nonce.
     */
    public static function login(string $login, string $password): HttpClient
    {
        $client = new HttpClient(self::$baseUrl, $login);
        $client->cookies['wordpress_test_cookie'] = 'WP%20Cookie%20check';
        $response = $client->postForm('/wp-login.php', [
            'log' => $login,
            'pwd' => $password,
            'wp-submit' => 'Log In',
            'redirect_to' => self::$baseUrl . '/wp-admin/',
            'testcookie' => '1',
        ]);
        $loggedIn = array_filter(array_keys($client->cookies), static fn(string $n): bool => str_starts_with($n, 'wordpress_logged_in_'));
        if (302 !== $response->status || !$loggedIn) {
            throw new \RuntimeException(sprintf(
                'logging in as %s failed (HTTP %d, cookies: %s)',
                $login,
                $response->status,
                implode(', ', array_keys($client->cookies))
            ));
        }
        $nonce = $client->get('/wp-admin/admin-ajax.php?action=rest-nonce');
        $value = trim($nonce->body);
        if (200 !== $nonce->status || !preg_match('/^[0-9a-f]{10}$/', $value)) {
            throw new \RuntimeException(sprintf('no REST nonce for %s: HTTP %d %s', $login, $nonce->status, substr($nonce->body, 0, 200)));
        }
        $client->wpNonce = $value;
        return $client;
    }

    private static function setUp(): void
    {
        $missing = [];
        foreach (['BKX_TEST_URL', 'BKX_TEST_ADMIN_USER', 'BKX_TEST_ADMIN_PASS'] as $name) {
            if (false === getenv($name) || '' === getenv($name)) {
                $missing[] = $name;
            }
        }
        if ($missing) {
            throw new \RuntimeException(
                'missing environment: ' . implode(', ', $missing)
                . ' (BKX_TEST_URL=http://127.0.0.1:8091 BKX_TEST_ADMIN_USER=... BKX_TEST_ADMIN_PASS=... [BKX_TEST_WP_PATH=...])'
            );
        }
        self::$baseUrl = rtrim((string) getenv('BKX_TEST_URL'), '/');

        $index = (new HttpClient(self::$baseUrl, 'probe'))->rest('GET', '/');
        if (200 !== $index->status) {
            throw new \RuntimeException('the REST index of ' . self::$baseUrl . ' is not reachable: ' . $index->describe());
        }
        $json = $index->json();
        if (!in_array('bookingx/v1', $json['namespaces'] ?? [], true) || !isset($json['routes']['/bookingx/v1/chat/token'])) {
            throw new \RuntimeException(
                'the bookingx/v1 chat routes are not registered at ' . self::$baseUrl
                . ': is the BookingX Live Chat plugin active and the bkx_livechat extension loaded in the web server\'s PHP?'
            );
        }

        $wpPath = (string) getenv('BKX_TEST_WP_PATH');
        if ('' !== $wpPath) {
            self::makeUsersWithCli($wpPath);
        } else {
            self::makeUsersWithRest();
        }
    }

    private static function makeUsersWithCli(string $wpPath): void
    {
        $command = sprintf(
            '%s %s %s',
            escapeshellarg(PHP_BINARY),
            escapeshellarg(dirname(__DIR__) . '/fixtures/make-users.php'),
            escapeshellarg($wpPath)
        );
        $process = proc_open($command, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        if (!is_resource($process)) {
            throw new \RuntimeException('could not run ' . $command);
        }
        $stdout = stream_get_contents($pipes[1]);
        $stderr = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $code = proc_close($process);
        $ids = json_decode(trim((string) $stdout), true);
        if (0 !== $code || !is_array($ids)) {
            throw new \RuntimeException(sprintf("fixtures/make-users.php failed (exit %d): %s %s", $code, $stdout, $stderr));
        }
        self::$userIds = array_map('intval', $ids);
    }

    private static function makeUsersWithRest(): void
    {
        $admin = self::admin();
        foreach (self::$users as $login => $user) {
            $found = $admin->rest('GET', '/wp/v2/users', ['search' => $login, 'context' => 'edit', 'per_page' => 100]);
            if (200 !== $found->status) {
                throw new \RuntimeException('listing users failed: ' . $found->describe());
            }
            $id = 0;
            foreach ($found->json() as $row) {
                if (($row['username'] ?? '') === $login) {
                    $id = (int) $row['id'];
                }
            }
            $fields = [
                'password' => $user['password'],
                'roles' => [$user['role']],
                'name' => $user['display_name'],
                'email' => $user['email'],
            ];
            $saved = 0 === $id
                ? $admin->rest('POST', '/wp/v2/users', [], $fields + ['username' => $login])
                : $admin->rest('POST', '/wp/v2/users/' . $id, [], $fields);
            if (!in_array($saved->status, [200, 201], true)) {
                throw new \RuntimeException("saving user {$login} failed: " . $saved->describe());
            }
            self::$userIds[$login] = (int) $saved->json()['id'];
        }
    }
}
