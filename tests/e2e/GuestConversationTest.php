<?php
/**
 * Guests: starting a conversation, writing with the visitor nonce, and isolation between
 * visitors.
 */

declare(strict_types=1);

namespace BkxE2E;

final class GuestConversationTest extends E2ETestCase
{
    public function testGuestStartsConversationAndPostsMessages(): void
    {
        $guest = $this->guest();
        $response = $guest->rest('POST', self::NS . '/chat/conversations', [], [
            'message' => 'Hello, is Friday 10:00 free?',
            'name' => 'Visiting Vera',
        ]);
        $this->assertStatus(201, $response);
        $conversation = $response->json();

        // A visitor cookie (HttpOnly) and the visitor nonce arrive with the first answer.
        $lines = $guest->setCookieLines('bkx_chat_visitor');
        $this->assertCount(1, $lines);
        $this->assertMatchesRegularExpression('/;\s*HttpOnly/i', $lines[0]);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{64}$/', (string) $response->header('X-BKX-Chat-Nonce'));
        $this->assertStringContainsString('/chat/conversations/' . $conversation['id'], (string) $response->header('Location'));

        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', (string) $conversation['visitor_id']);
        $this->assertNull($conversation['customer_id']);
        $this->assertSame('custom', $conversation['platform']);
        $this->assertSame('waiting', $conversation['status']);
        $this->assertSame(1, $conversation['message_count']);
        $this->assertSame('customer', $conversation['first_message']['sender_type'] ?? null);
        $this->assertSame('Hello, is Friday 10:00 free?', $conversation['first_message']['body'] ?? null);

        $id = (int) $conversation['id'];
        // The client claims to be an agent: the server decides the side.
        $sent = $this->postMessage($guest, $id, 'Or Saturday morning?', ['sender_type' => 'agent', 'sender_id' => 1]);
        $this->assertStatus(201, $sent);
        $message = $sent->json();
        $this->assertSame('customer', $message['sender_type']);
        $this->assertNull($message['sender_id']);
        $this->assertSame($id, $message['conversation_id']);
        $this->assertSame('Or Saturday morning?', $message['body']);
        $this->assertSame('Visiting Vera', $message['sender_name']);

        $second = $this->postMessage($guest, $id, 'Thanks!');
        $this->assertStatus(201, $second);

        $history = $guest->rest('GET', self::NS . "/chat/conversations/{$id}/messages");
        $this->assertStatus(200, $history);
        $bodies = array_column($history->json(), 'body');
        $this->assertSame(['Hello, is Friday 10:00 free?', 'Or Saturday morning?', 'Thanks!'], $bodies, 'oldest first');
        $this->assertSame('3', $history->header('X-WP-Total'));

        $this->assertSame(3, $this->getConversation($guest, $id)['message_count']);

        $list = $guest->rest('GET', self::NS . '/chat/conversations');
        $this->assertStatus(200, $list);
        $this->assertSame([$id], array_column($list->json(), 'id'), 'a guest lists its own conversations only');
    }

    public function testPagingWithCursors(): void
    {
        $guest = $this->guest();
        $id = (int) $this->startConversation($guest, 'm1')['id'];
        foreach (['m2', 'm3', 'm4', 'm5'] as $body) {
            $this->assertStatus(201, $this->postMessage($guest, $id, $body));
        }
        $latest = $guest->rest('GET', self::NS . "/chat/conversations/{$id}/messages", ['limit' => 2]);
        $this->assertStatus(200, $latest);
        $page = $latest->json();
        $this->assertSame(['m4', 'm5'], array_column($page, 'body'), 'without a cursor: the newest page, oldest first');
        $this->assertStringContainsString('rel="next"', (string) $latest->header('Link'));
        $this->assertStringContainsString('before_id', (string) $latest->header('Link'));

        $older = $guest->rest('GET', self::NS . "/chat/conversations/{$id}/messages", ['limit' => 2, 'before_id' => $page[0]['id']]);
        $this->assertSame(['m2', 'm3'], array_column($older->json(), 'body'));

        $newer = $guest->rest('GET', self::NS . "/chat/conversations/{$id}/messages", ['after_id' => $page[0]['id']]);
        $this->assertSame(['m5'], array_column($newer->json(), 'body'));
    }

    public function testRetryWithSameClientIdIsStoredOnce(): void
    {
        $guest = $this->guest();
        $id = (int) $this->startConversation($guest)['id'];
        $first = $this->postMessage($guest, $id, 'Only once please', ['client_id' => 'c-123']);
        $again = $this->postMessage($guest, $id, 'Only once please', ['client_id' => 'c-123']);
        $this->assertContains($first->status, [200, 201]);
        $this->assertContains($again->status, [200, 201]);
        $this->assertSame($first->json()['id'], $again->json()['id']);
        $this->assertSame(2, $this->getConversation($guest, $id)['message_count']);
    }

    public function testGuestWritesNeedTheVisitorNonce(): void
    {
        $guest = $this->guest();
        $id = (int) $this->startConversation($guest)['id'];
        $validNonce = (string) $guest->chatNonce;
        $this->assertNotSame('', $validNonce);

        $without = $this->postMessage($guest, $id, 'no nonce', [], ['X-BKX-Chat-Nonce' => null]);
        $this->assertError(403, 'forbidden', $without);

        $wrong = $this->postMessage($guest, $id, 'wrong nonce', [], ['X-BKX-Chat-Nonce' => str_repeat('a', 64)]);
        $this->assertError(403, 'forbidden', $wrong);

        $other = $this->guest('other');
        $this->startConversation($other);
        $borrowed = $this->postMessage($guest, $id, 'someone else\'s nonce', [], ['X-BKX-Chat-Nonce' => (string) $other->chatNonce]);
        $this->assertError(403, 'forbidden', $borrowed);

        foreach (['close', 'read'] as $action) {
            $this->assertError(403, 'forbidden', $guest->rest('POST', self::NS . "/chat/conversations/{$id}/{$action}", [], null, ['X-BKX-Chat-Nonce' => null]), $action);
        }
        $this->assertError(403, 'forbidden', $guest->rest('PATCH', self::NS . "/chat/conversations/{$id}", [], ['metadata' => ['a' => 1]], ['X-BKX-Chat-Nonce' => null]));
        $this->assertError(403, 'forbidden', $guest->rest('POST', self::NS . '/chat/conversations', [], ['message' => 'x'], ['X-BKX-Chat-Nonce' => null]), 'starting another chat');

        $conversation = $this->getConversation($guest, $id);
        $this->assertSame(1, $conversation['message_count'], 'nothing was stored');
        $this->assertNotSame('closed', $conversation['status']);
        $this->assertCount(1, $guest->rest('GET', self::NS . '/chat/conversations')->json(), 'no second conversation');

        // With the nonce it works.
        $this->assertStatus(201, $this->postMessage($guest, $id, 'with nonce'));
    }

    public function testSecondGuestIsForbidden(): void
    {
        $first = $this->guest('first');
        $conversation = $this->startConversation($first, 'Private question');
        $id = (int) $conversation['id'];

        $second = $this->guest('second');
        $this->startConversation($second, 'My own chat'); // Has a valid visitor cookie and nonce.

        $base = self::NS . "/chat/conversations/{$id}";
        $this->assertError(403, 'forbidden', $second->rest('GET', $base), 'read conversation');
        $this->assertError(403, 'forbidden', $second->rest('GET', $base . '/messages'), 'read messages');
        $this->assertError(403, 'forbidden', $this->postMessage($second, $id, 'intruder'), 'post message');
        $this->assertError(403, 'forbidden', $second->rest('POST', $base . '/close'), 'close');
        $this->assertError(403, 'forbidden', $second->rest('POST', $base . '/read'), 'mark read');
        $this->assertError(403, 'forbidden', $second->rest('POST', $base . '/rating', [], ['rating' => 1]), 'rate');
        $this->assertError(403, 'forbidden', $second->rest('PATCH', $base, [], ['metadata' => ['x' => 'y']]), 'update');
        $this->assertError(403, 'forbidden', $second->rest('POST', self::NS . '/chat/token', [], ['conversation_id' => $id]), 'token');

        $after = $this->getConversation($first, $id);
        $this->assertSame(1, $after['message_count']);
        $this->assertSame('waiting', $after['status']);
        $this->assertNull($after['rating']);
        $this->assertSame(['Private question'], array_column($this->history($first, $id), 'body'));

        $ids = array_column($second->rest('GET', self::NS . '/chat/conversations')->json(), 'id');
        $this->assertNotContains($id, $ids, 'the list of another guest does not show it');
    }

    public function testGuestWithoutCookieIsUnauthenticated(): void
    {
        $owner = $this->guest('owner');
        $id = (int) $this->startConversation($owner)['id'];

        $stranger = $this->guest('stranger');
        $this->assertError(401, 'unauthenticated', $stranger->rest('GET', self::NS . "/chat/conversations/{$id}"));
        $this->assertError(401, 'unauthenticated', $stranger->rest('GET', self::NS . "/chat/conversations/{$id}/messages"));
        $this->assertError(401, 'unauthenticated', $this->postMessage($stranger, $id, 'hi'));

        $list = $stranger->rest('GET', self::NS . '/chat/conversations');
        $this->assertStatus(200, $list);
        $this->assertSame([], $list->json());
        $this->assertSame([], $stranger->setCookieLines('bkx_chat_visitor'), 'reading sets no cookie');
        $this->assertSame(1, $this->getConversation($owner, $id)['message_count']);
    }

    public function testCrossOriginRequestsDoNotUseTheVisitorCookie(): void
    {
        $guest = $this->guest();
        $id = (int) $this->startConversation($guest)['id'];
        $crossSite = $guest->rest('GET', self::NS . "/chat/conversations/{$id}", [], null, ['Origin' => 'https://evil.example']);
        $this->assertError(401, 'unauthenticated', $crossSite);
    }

    public function testGuestMayCloseButNotChangeStaffFields(): void
    {
        $guest = $this->guest();
        $id = (int) $this->startConversation($guest)['id'];

        $patch = $guest->rest('PATCH', self::NS . "/chat/conversations/{$id}", [], ['status' => 'active']);
        $this->assertError(403, 'forbidden', $patch);
        $patch = $guest->rest('PATCH', self::NS . "/chat/conversations/{$id}", [], ['assigned_agent_id' => Env::userId('agent1')]);
        $this->assertError(403, 'forbidden', $patch);

        $meta = $guest->rest('PATCH', self::NS . "/chat/conversations/{$id}", [], ['metadata' => ['page' => '/book']]);
        $this->assertStatus(200, $meta);
        $this->assertSame('/book', $meta->json()['metadata']['page'] ?? null);

        $closed = $guest->rest('POST', self::NS . "/chat/conversations/{$id}/close");
        $this->assertStatus(200, $closed);
        $this->assertSame('closed', $closed->json()['status']);
        $this->assertNotNull($closed->json()['ended_at']);

        $this->assertError(409, 'conflict', $this->postMessage($guest, $id, 'after close'));
        $this->assertSame(1, $this->getConversation($guest, $id)['message_count']);
    }
}
