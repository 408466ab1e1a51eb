<?php
/**
 * Base class of the end-to-end tests: fails (never skips) when the site is not there, and
 * offers the few helpers every test uses.
 */

declare(strict_types=1);

namespace BkxE2E;

use PHPUnit\Framework\TestCase;

abstract class E2ETestCase extends TestCase
{
    protected const NS = '/bookingx/v1';

    protected function setUp(): void
    {
        parent::setUp();
        Env::init();
        if ('' !== Env::error()) {
            $this->fail('End-to-end setup failed: ' . Env::error());
        }
    }

    protected function guest(string $name = 'guest'): HttpClient
    {
        return Env::guest($name);
    }

    protected function admin(): HttpClient
    {
        return Env::admin();
    }

    protected function agent(): HttpClient
    {
        return Env::actor('agent1');
    }

    protected function customer(int $n = 1): HttpClient
    {
        return Env::actor('customer' . $n);
    }

    /*
     * Requests.
     */

    /**
     * Starts a conversation as $actor and returns it.
     *
     * @param array<string, mixed> $extra
     * @return array<string, mixed>
     */
    protected function startConversation(HttpClient $actor, ?string $message = 'Hello, I would like to book a massage.', array $extra = []): array
    {
        $body = $extra;
        if (null !== $message) {
            $body['message'] = $message;
        }
        $response = $actor->rest('POST', self::NS . '/chat/conversations', [], $body ?: new \stdClass());
        $this->assertStatus(201, $response);
        $conversation = $response->json();
        $this->assertIsInt($conversation['id'] ?? null, $response->describe());
        return $conversation;
    }

    /** @param array<string, mixed> $extra */
    protected function postMessage(HttpClient $actor, int $conversationId, $body, array $extra = [], array $headers = []): Response
    {
        $payload = $extra;
        if (null !== $body) {
            $payload['body'] = $body;
        }
        return $actor->rest('POST', self::NS . "/chat/conversations/{$conversationId}/messages", [], $payload ?: new \stdClass(), $headers);
    }

    /** @return array<string, mixed> */
    protected function getConversation(HttpClient $actor, int $id): array
    {
        $response = $actor->rest('GET', self::NS . "/chat/conversations/{$id}");
        $this->assertStatus(200, $response);
        return $response->json();
    }

    /**
     * The whole history, oldest first (walks the before_id cursor).
     *
     * @return list<array<string, mixed>>
     */
    protected function history(HttpClient $actor, int $id): array
    {
        $all = [];
        $query = ['limit' => 100];
        for ($page = 0; $page < 100; $page++) {
            $response = $actor->rest('GET', self::NS . "/chat/conversations/{$id}/messages", $query);
            $this->assertStatus(200, $response);
            $messages = $response->json();
            $all = array_merge($messages, $all);
            if (count($messages) < 100) {
                break;
            }
            $query['before_id'] = $messages[0]['id'];
        }
        return $all;
    }

    /**
     * Saves settings the way an administrator does: the settings screen's own form (nonce,
     * referer) posted to options.php with `$values` (setting => value). Each key must be a
     * field the screen shows. The sanitiser keeps every setting not submitted.
     *
     * @param array<string, string> $values
     */
    protected function saveSettings(array $values): void
    {
        $admin = $this->admin();
        [$xpath, $form] = $this->settingsForm($admin);
        $fields = [];
        foreach ($xpath->query('.//input[@type="hidden"]', $form) as $h) {
            /** @var \DOMElement $h */
            if (!str_contains($h->getAttribute('name'), '_form_booleans')) {
                $fields[$h->getAttribute('name')] = $h->getAttribute('value');
            }
        }
        $this->assertArrayHasKey('_wpnonce', $fields, 'the settings form carries a nonce');
        foreach ($values as $key => $value) {
            $this->assertGreaterThan(
                0,
                $xpath->query('.//*[@name="bkx_livechat_settings[' . $key . ']"]', $form)->length,
                "the settings screen has a field for $key"
            );
            $fields["bkx_livechat_settings[$key]"] = $value;
        }
        $this->postOptions($admin, http_build_query($fields));
    }

    /**
     * The settings screen's options.php form, parsed.
     *
     * @return array{0: \DOMXPath, 1: \DOMElement}
     */
    protected function settingsForm(HttpClient $admin): array
    {
        $page = $admin->get('/wp-admin/admin.php?page=bkx-livechat');
        $this->assertSame(200, $page->status, 'the settings screen');
        $document = new \DOMDocument();
        libxml_use_internal_errors(true);
        $document->loadHTML($page->body);
        libxml_clear_errors();
        $xpath = new \DOMXPath($document);
        $form = $xpath->query('//form[contains(@action, "options.php")]')->item(0);
        $this->assertInstanceOf(\DOMElement::class, $form, 'the settings form');
        return [$xpath, $form];
    }

    /** Posts a settings form body to options.php, which answers with its "saved" redirect. */
    protected function postOptions(HttpClient $admin, string $body): void
    {
        $response = $admin->request('POST', Env::baseUrl() . '/wp-admin/options.php', $body, [
            'Content-Type' => 'application/x-www-form-urlencoded',
        ]);
        $this->assertSame(302, $response->status, 'options.php saves: ' . substr($response->body, 0, 300));
        $this->assertStringContainsString('settings-updated=true', (string) $response->header('Location'));
    }

    /** The site's database (scripts/test.sh sets BKX_TEST_DB_*); fails loudly without it. */
    protected static function siteDb(): \PDO
    {
        $env = static function (string $name): string {
            $v = getenv($name);
            if (false === $v) {
                throw new \RuntimeException("$name is not set: this test reads the site's database (scripts/test.sh sets BKX_TEST_DB_*)");
            }
            return $v;
        };
        return new \PDO(
            sprintf('mysql:host=%s;port=%d;dbname=%s;charset=utf8mb4', $env('BKX_TEST_DB_HOST'), (int) $env('BKX_TEST_DB_PORT'), $env('BKX_TEST_DB_NAME')),
            $env('BKX_TEST_DB_USER'),
            $env('BKX_TEST_DB_PASS'),
            [\PDO::ATTR_ERRMODE => \PDO::ERRMODE_EXCEPTION]
        );
    }

    /** A table name of the site (prefix from BKX_TEST_DB_PREFIX, checked). */
    protected static function siteTable(string $name): string
    {
        $prefix = (string) (getenv('BKX_TEST_DB_PREFIX') ?: 'wp_');
        if (!preg_match('/^[A-Za-z0-9_]+$/', $prefix . $name)) {
            throw new \InvalidArgumentException('bad table name');
        }
        return '`' . $prefix . $name . '`';
    }

    /*
     * Assertions.
     */

    protected function assertStatus(int $expected, Response $response, string $context = ''): void
    {
        $this->assertSame($expected, $response->status, trim($context . "\n" . $response->describe()));
        // Every answer of our routes must be pure JSON (no PHP notice in front of it).
        $response->json();
    }

    /** A WordPress REST error with our shape: {code, message, data: {status}}. */
    protected function assertError(int $status, string $code, Response $response, string $context = ''): void
    {
        $this->assertStatus($status, $response, $context);
        $json = $response->json();
        $this->assertIsArray($json, $response->describe());
        $this->assertSame($code, $json['code'] ?? null, trim($context . "\n" . $response->describe()));
        $this->assertIsString($json['message'] ?? null, $response->describe());
        $this->assertSame($status, $json['data']['status'] ?? null, $response->describe());
    }

    /** Asserts a stored body is inert HTML. */
    protected function assertInert(string $body, string $context = ''): void
    {
        $problems = Inertness::problems($body);
        $this->assertSame([], $problems, sprintf("%s\nstored body is not inert: %s", $context, $body));
    }

    /**
     * The claims of a JWT (signature not checked: the secret is the server's).
     *
     * @return array{0: array<string, mixed>, 1: array<string, mixed>} header, claims
     */
    protected function decodeJwt(string $jwt): array
    {
        $parts = explode('.', $jwt);
        $this->assertCount(3, $parts, 'a JWT has three parts: ' . $jwt);
        $decode = static function (string $part): array {
            $json = base64_decode(strtr($part, '-_', '+/') . str_repeat('=', (4 - strlen($part) % 4) % 4), true);
            return json_decode((string) $json, true, 512, JSON_THROW_ON_ERROR);
        };
        $this->assertMatchesRegularExpression('/^[A-Za-z0-9_-]+$/', $parts[2], 'base64url signature');
        // When the runner knows the site's shared secret (BKX_TEST_SECRET), check the signature too.
        $secret = (string) getenv('BKX_TEST_SECRET');
        if ('' !== $secret) {
            $expected = rtrim(strtr(base64_encode(hash_hmac('sha256', $parts[0] . '.' . $parts[1], $secret, true)), '+/', '-_'), '=');
            $this->assertTrue(hash_equals($expected, $parts[2]), 'the JWT is signed with the shared secret (HS256)');
        }
        return [$decode($parts[0]), $decode($parts[1])];
    }
}
