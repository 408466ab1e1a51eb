<?php
/**
 * POST /bookingx/v1/chat/token: daemon tokens for guests and logged-in users.
 */

declare(strict_types=1);

namespace BkxE2E;

final class TokenTest extends E2ETestCase
{
    public function testGuestGetsCustomerTokenVisitorCookieAndNonce(): void
    {
        $guest = $this->guest();
        $response = $guest->rest('POST', self::NS . '/chat/token');
        $this->assertStatus(200, $response);
        $data = $response->json();

        foreach (['token', 'expires_at', 'chatd_url', 'visitor_id', 'nonce'] as $key) {
            $this->assertIsString($data[$key] ?? null, "missing {$key}: " . $response->describe());
            $this->assertNotSame('', $data[$key]);
        }
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $data['visitor_id']);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{64}$/', $data['nonce']);

        // The visitor cookie: signed, HttpOnly, SameSite=Lax.
        $lines = $guest->setCookieLines('bkx_chat_visitor');
        $this->assertCount(1, $lines, 'exactly one visitor cookie is set');
        $this->assertMatchesRegularExpression('/;\s*HttpOnly/i', $lines[0]);
        $this->assertMatchesRegularExpression('/;\s*SameSite=Lax/i', $lines[0]);
        if (str_starts_with(Env::baseUrl(), 'http://')) {
            $this->assertDoesNotMatchRegularExpression('/;\s*Secure/i', $lines[0], 'no Secure flag over plain HTTP');
        }
        $this->assertStringStartsWith($data['visitor_id'] . '.', urldecode($guest->cookies['bkx_chat_visitor']));

        [$header, $claims] = $this->decodeJwt($data['token']);
        $this->assertSame('HS256', $header['alg'] ?? null);
        $this->assertSame('v:' . $data['visitor_id'], $claims['sub'] ?? null);
        $this->assertSame('customer', $claims['role'] ?? null);
        $this->assertIsInt($claims['iat'] ?? null);
        $this->assertIsInt($claims['exp'] ?? null);
        $this->assertGreaterThan($claims['iat'], $claims['exp']);
        $this->assertLessThanOrEqual(15 * 60, $claims['exp'] - $claims['iat'], 'default lifetime is 15 minutes');
        $this->assertNotEmpty($claims['jti'] ?? null);
        $this->assertEqualsWithDelta($claims['exp'], strtotime($data['expires_at']), 1, 'expires_at matches exp');

        $chatdUrl = (string) getenv('BKX_TEST_CHATD_URL');
        if ('' !== $chatdUrl) {
            $this->assertSame($chatdUrl, $data['chatd_url'], 'BKX_LIVECHAT_CHATD_URL of the site');
        }

        // The nonce is also handed out as a header.
        $this->assertSame($data['nonce'], $response->header('X-BKX-Chat-Nonce'));
        $this->assertStringContainsString('no-store', (string) $response->header('Cache-Control'));
    }

    public function testGuestKeepsItsVisitorIdAcrossTokens(): void
    {
        $guest = $this->guest();
        $first = $guest->rest('POST', self::NS . '/chat/token')->json();
        $second = $guest->rest('POST', self::NS . '/chat/token');
        $this->assertStatus(200, $second);
        $this->assertSame($first['visitor_id'], $second->json()['visitor_id']);
        $this->assertCount(1, $guest->setCookieLines('bkx_chat_visitor'), 'the cookie is not set again');
    }

    public function testForgedVisitorCookieIsIgnored(): void
    {
        $victim = $this->guest();
        $victimId = $victim->rest('POST', self::NS . '/chat/token')->json()['visitor_id'];

        $forger = $this->guest('forger');
        $forger->cookies['bkx_chat_visitor'] = $victimId . '.' . str_repeat('0', 64);
        $response = $forger->rest('POST', self::NS . '/chat/token');
        $this->assertStatus(200, $response);
        $this->assertNotSame($victimId, $response->json()['visitor_id'], 'a forged signature must not be accepted');

        $bare = $this->guest('bare');
        $bare->cookies['bkx_chat_visitor'] = $victimId;
        $this->assertNotSame($victimId, $bare->rest('POST', self::NS . '/chat/token')->json()['visitor_id']);
    }

    public function testAgentGetsAgentToken(): void
    {
        $response = $this->agent()->rest('POST', self::NS . '/chat/token');
        $this->assertStatus(200, $response);
        $data = $response->json();
        $this->assertArrayNotHasKey('visitor_id', $data);
        $this->assertArrayNotHasKey('nonce', $data);
        [, $claims] = $this->decodeJwt($data['token']);
        $this->assertSame('u:' . Env::userId('agent1'), $claims['sub']);
        $this->assertSame('agent', $claims['role']);
        $this->assertSame('Agent One', $claims['name'] ?? null);
    }

    public function testRolesOfAdminAndCustomer(): void
    {
        [, $admin] = $this->decodeJwt($this->admin()->rest('POST', self::NS . '/chat/token')->json()['token']);
        $this->assertSame('admin', $admin['role']);
        $this->assertStringStartsWith('u:', $admin['sub']);

        [, $customer] = $this->decodeJwt($this->customer()->rest('POST', self::NS . '/chat/token')->json()['token']);
        $this->assertSame('customer', $customer['role']);
        $this->assertSame('u:' . Env::userId('customer1'), $customer['sub']);
    }

    public function testLoggedInUserWithoutRestNonceIsAGuest(): void
    {
        $customer = $this->customer()->cloneAs('customer-without-nonce');
        $customer->wpNonce = null;
        $response = $customer->rest('POST', self::NS . '/chat/token');
        $this->assertStatus(200, $response);
        [, $claims] = $this->decodeJwt($response->json()['token']);
        $this->assertStringStartsWith('v:', $claims['sub'], 'cookie auth without X-WP-Nonce is not a login');
    }

    public function testTokenScopedToSomeoneElsesConversationIsRefused(): void
    {
        $owner = $this->guest('owner');
        $conversation = $this->startConversation($owner);

        $scoped = $owner->rest('POST', self::NS . '/chat/token', [], ['conversation_id' => $conversation['id']]);
        $this->assertStatus(200, $scoped);
        [, $claims] = $this->decodeJwt($scoped->json()['token']);
        $this->assertSame([$conversation['id']], $claims['conversations'] ?? null);

        $other = $this->guest('other');
        $this->startConversation($other);
        $this->assertError(403, 'forbidden', $other->rest('POST', self::NS . '/chat/token', [], ['conversation_id' => $conversation['id']]));
    }
}
