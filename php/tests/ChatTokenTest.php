<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\ChatException;
use BookingX\Addons\LiveChat\ChatToken;
use BookingX\Addons\LiveChat\ForbiddenException;
use BookingX\Addons\LiveChat\InvalidArgumentException;
use BookingX\Addons\LiveChat\SignatureException;
use PHPUnit\Framework\TestCase;

/** Daemon tokens (JWT, HS256): issue, verify, and every way a token can be refused. */
final class ChatTokenTest extends TestCase
{
    private const SECRET = 'phpunit-secret-0123456789abcdef-0123456789';

    private static function b64url(string $raw): string
    {
        return rtrim(strtr(base64_encode($raw), '+/', '-_'), '=');
    }

    private static function b64urlDecode(string $s): string
    {
        $raw = base64_decode(strtr($s, '-_', '+/'), true);
        self::assertIsString($raw);
        return $raw;
    }

    /** A JWT signed here with PHP's own HMAC: the reference the extension must agree with. */
    private static function craft(array $claims, string $secret = self::SECRET, array $header = ['alg' => 'HS256', 'typ' => 'JWT']): string
    {
        $input = self::b64url(json_encode($header)) . '.' . self::b64url(json_encode($claims));
        return $input . '.' . self::b64url(hash_hmac('sha256', $input, $secret, true));
    }

    private static function claims(array $overrides = []): array
    {
        $now = time();
        return $overrides + ['sub' => 'v:visitor-abcdef12', 'role' => 'customer', 'iat' => $now, 'exp' => $now + 600, 'jti' => bin2hex(random_bytes(16))];
    }

    private function expectTokenError(callable $call, string $class, string $code): ChatException
    {
        try {
            $call();
        } catch (ChatException $e) {
            self::assertInstanceOf($class, $e, get_class($e) . ': ' . $e->getMessage());
            self::assertSame($code, $e->getErrorCode(), $e->getMessage());
            return $e;
        }
        self::fail("expected $class ($code)");
    }

    public function testIssueAndVerifyRoundTrip(): void
    {
        $before = time();
        $t = ChatToken::issue(['sub' => 'v:visitor-abcdef12', 'role' => 'customer', 'name' => 'Guest', 'conversations' => [3, 5]], self::SECRET);
        self::assertSame(['token', 'expires_at', 'jti'], array_keys($t));
        self::assertMatchesRegularExpression('/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/', $t['token']);
        self::assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $t['jti']);

        $claims = ChatToken::verify($t['token'], self::SECRET);
        self::assertSame('v:visitor-abcdef12', $claims['sub']);
        self::assertSame('customer', $claims['role']);
        self::assertSame('Guest', $claims['name']);
        self::assertSame([3, 5], $claims['conversations']);
        self::assertSame($t['jti'], $claims['jti']);
        self::assertSame(900, $claims['exp'] - $claims['iat'], 'the default lifetime is 15 minutes');
        self::assertGreaterThanOrEqual($before, $claims['iat']);
        self::assertLessThanOrEqual(time(), $claims['iat']);
        self::assertSame(gmdate('Y-m-d\TH:i:s\Z', $claims['exp']), $t['expires_at']);

        // It is a standard HS256 JWT: PHP's own HMAC gives the same signature.
        [$h, $p, $s] = explode('.', $t['token']);
        self::assertSame(['alg' => 'HS256', 'typ' => 'JWT'], json_decode(self::b64urlDecode($h), true));
        self::assertSame($s, self::b64url(hash_hmac('sha256', "$h.$p", self::SECRET, true)));
        self::assertSame($claims, json_decode(self::b64urlDecode($p), true));
    }

    public function testRolesSubjectsAndTtl(): void
    {
        foreach (['customer', 'agent', 'manager', 'admin'] as $role) {
            $t = ChatToken::issue(['sub' => 'u:42', 'role' => $role], self::SECRET, 60);
            $c = ChatToken::verify($t['token'], self::SECRET);
            self::assertSame($role, $c['role']);
            self::assertSame('u:42', $c['sub']);
            self::assertSame(60, $c['exp'] - $c['iat']);
            self::assertArrayNotHasKey('name', $c);
        }
        $c = ChatToken::verify(ChatToken::issue(['sub' => 'u:1', 'role' => 'agent'], self::SECRET, 86400)['token'], self::SECRET);
        self::assertSame(86400, $c['exp'] - $c['iat']);

        $bad = [
            [['sub' => 'u:1', 'role' => 'root'], 900],
            [['sub' => 'u:1'], 900],
            [['role' => 'agent'], 900],
            [['sub' => 'x:1', 'role' => 'agent'], 900],
            [['sub' => 'u:0', 'role' => 'agent'], 900],
            [['sub' => 'u:abc', 'role' => 'agent'], 900],
            [['sub' => 'v:short', 'role' => 'customer'], 900],
            [['sub' => 'u:1', 'role' => 'agent', 'name' => str_repeat('n', 101)], 900],
            [['sub' => 'u:1', 'role' => 'agent', 'conversations' => ['x']], 900],
            [['sub' => 'u:1', 'role' => 'agent', 'conversations' => 5], 900],
            [['sub' => 'u:1', 'role' => 'agent'], 0],
            [['sub' => 'u:1', 'role' => 'agent'], -5],
            [['sub' => 'u:1', 'role' => 'agent'], 86401],
        ];
        foreach ($bad as [$claims, $ttl]) {
            $this->expectTokenError(fn () => ChatToken::issue($claims, self::SECRET, $ttl), InvalidArgumentException::class, 'invalid_argument');
        }
    }

    public function testShortSecretIsInvalid(): void
    {
        $e = $this->expectTokenError(fn () => ChatToken::issue(['sub' => 'u:1', 'role' => 'agent'], str_repeat('s', 31)), InvalidArgumentException::class, 'invalid_argument');
        self::assertSame('secret', $e->getDetails()['field'] ?? null);
        $this->expectTokenError(fn () => ChatToken::issue(['sub' => 'u:1', 'role' => 'agent'], ''), InvalidArgumentException::class, 'invalid_argument');
        $token = ChatToken::issue(['sub' => 'u:1', 'role' => 'agent'], self::SECRET)['token'];
        $this->expectTokenError(fn () => ChatToken::verify($token, 'short'), InvalidArgumentException::class, 'invalid_argument');
        // 32 bytes is enough.
        self::assertArrayHasKey('token', ChatToken::issue(['sub' => 'u:1', 'role' => 'agent'], str_repeat('s', 32)));
    }

    public function testTamperedTokensAreSignatureInvalid(): void
    {
        $token = ChatToken::issue(['sub' => 'v:visitor-abcdef12', 'role' => 'customer'], self::SECRET)['token'];
        [$h, $p, $s] = explode('.', $token);

        $claims = json_decode(self::b64urlDecode($p), true);
        $claims['role'] = 'admin';
        $forgedRole = $h . '.' . self::b64url(json_encode($claims)) . '.' . $s;

        $sigBytes = self::b64urlDecode($s);
        $sigBytes[0] = chr(ord($sigBytes[0]) ^ 1);
        $flippedSig = "$h.$p." . self::b64url($sigBytes);

        $cases = [
            'payload changed' => $forgedRole,
            'signature flipped' => $flippedSig,
            'signature removed' => "$h.$p.",
            'alg none' => self::b64url('{"alg":"none","typ":"JWT"}') . ".$p.",
            'alg HS512 header' => self::craft(self::claims(), self::SECRET, ['alg' => 'HS512', 'typ' => 'JWT']),
            'wrong secret' => self::craft(self::claims(), 'another-secret-another-secret-another'),
            'two parts' => "$h.$p",
            'four parts' => "$token.x",
            'garbage' => 'not a token',
            'empty' => '',
            'bad base64' => "$h.!!!.$s",
            'bad subject' => self::craft(self::claims(['sub' => 'x:1'])),
            'issued in the future' => self::craft(self::claims(['iat' => time() + 3600, 'exp' => time() + 7200])),
            'claims not JSON' => (function (): string {
                $input = self::b64url('{"alg":"HS256","typ":"JWT"}') . '.' . self::b64url('not json');
                return $input . '.' . self::b64url(hash_hmac('sha256', $input, self::SECRET, true));
            })(),
        ];
        foreach ($cases as $label => $t) {
            try {
                ChatToken::verify($t, self::SECRET);
                self::fail("$label: accepted");
            } catch (SignatureException $e) {
                self::assertSame('signature_invalid', $e->getErrorCode(), $label);
            }
        }
    }

    public function testHandCraftedTokensVerify(): void
    {
        // The control for the expiry test below: a token crafted here with a future expiry is valid.
        $claims = self::claims(['role' => 'agent', 'sub' => 'u:7']);
        $verified = ChatToken::verify(self::craft($claims), self::SECRET);
        self::assertSame('u:7', $verified['sub']);
        self::assertSame('agent', $verified['role']);
        self::assertSame($claims['exp'], $verified['exp']);
    }

    public function testExpiredTokensAreUnauthenticated(): void
    {
        $now = time();
        $expired = self::craft(self::claims(['iat' => $now - 7200, 'exp' => $now - 3600]));
        $e = $this->expectTokenError(fn () => ChatToken::verify($expired, self::SECRET), ForbiddenException::class, 'unauthenticated');
        self::assertSame($now - 3600, $e->getDetails()['exp'] ?? null);

        // Well past the 30 s clock-skew leeway.
        $this->expectTokenError(
            fn () => ChatToken::verify(self::craft(self::claims(['iat' => $now - 1000, 'exp' => $now - 60])), self::SECRET),
            ForbiddenException::class,
            'unauthenticated'
        );
        // Inside the leeway it is still accepted.
        self::assertSame('customer', ChatToken::verify(self::craft(self::claims(['iat' => $now - 100, 'exp' => $now - 5])), self::SECRET)['role']);
        // An expired token with a bad signature is forged first, expired second.
        $this->expectTokenError(
            fn () => ChatToken::verify(self::craft(self::claims(['exp' => $now - 3600]), 'another-secret-another-secret-another'), self::SECRET),
            SignatureException::class,
            'signature_invalid'
        );
    }

    public function testVisitorIds(): void
    {
        $a = ChatToken::newVisitorId();
        $b = ChatToken::newVisitorId();
        self::assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $a);
        self::assertNotSame($a, $b);
        // A generated id is a valid subject.
        self::assertSame("v:$a", ChatToken::verify(ChatToken::issue(['sub' => "v:$a", 'role' => 'customer'], self::SECRET)['token'], self::SECRET)['sub']);
    }
}
