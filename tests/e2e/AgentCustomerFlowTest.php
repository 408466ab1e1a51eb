<?php
/**
 * Agents, logged-in customers and administrators: replies, read receipts, closing, rating,
 * and who may change what.
 */

declare(strict_types=1);

namespace BkxE2E;

final class AgentCustomerFlowTest extends E2ETestCase
{
    public function testAgentReadsGuestConversationAndReplies(): void
    {
        $guest = $this->guest();
        $conversation = $this->startConversation($guest, 'Can someone help me?');
        $id = (int) $conversation['id'];
        $agent = $this->agent();

        $list = $agent->rest('GET', self::NS . '/chat/conversations', ['unassigned' => 'true', 'limit' => 100]);
        $this->assertStatus(200, $list);
        $this->assertContains($id, array_column($list->json(), 'id'), 'the queue shows the new conversation');

        $seen = $this->getConversation($agent, $id);
        $this->assertSame($conversation['visitor_id'], $seen['visitor_id']);
        $this->assertSame(['Can someone help me?'], array_column($this->history($agent, $id), 'body'));

        // The client claims to be the customer: the server knows better.
        $reply = $this->postMessage($agent, $id, 'Of course! What would you like to book?', ['sender_type' => 'customer']);
        $this->assertStatus(201, $reply);
        $message = $reply->json();
        $this->assertSame('agent', $message['sender_type']);
        $this->assertSame(Env::userId('agent1'), $message['sender_id']);
        $this->assertSame('Agent One', $message['sender_name']);

        $after = $this->getConversation($agent, $id);
        $this->assertSame(Env::userId('agent1'), $after['assigned_agent_id'], 'replying takes an unassigned conversation');
        $this->assertSame('active', $after['status']);
        $this->assertIsInt($after['first_response_time']);
        $this->assertSame(2, $after['message_count']);

        $guestView = $this->history($guest, $id);
        $this->assertSame(['customer', 'agent'], array_column($guestView, 'sender_type'));
        $this->assertSame('Of course! What would you like to book?', $guestView[1]['body']);
    }

    public function testCustomerMarksReadClosesAndRates(): void
    {
        $customer = $this->customer(1);
        $conversation = $this->startConversation($customer, 'I need to move my booking.');
        $id = (int) $conversation['id'];
        $this->assertSame(Env::userId('customer1'), $conversation['customer_id']);
        $this->assertSame('customer', $conversation['first_message']['sender_type']);
        $this->assertSame(Env::userId('customer1'), $conversation['first_message']['sender_id']);

        $agent = $this->agent();
        $this->assertStatus(201, $this->postMessage($agent, $id, 'Sure, to which day?'));
        $this->assertStatus(201, $this->postMessage($agent, $id, 'We have Tuesday free.'));

        $unread = $this->history($customer, $id);
        $this->assertFalse($unread[1]['is_read']);

        $read = $customer->rest('POST', self::NS . "/chat/conversations/{$id}/read");
        $this->assertStatus(200, $read);
        $this->assertSame('customer', $read->json()['reader_type']);
        $this->assertSame(2, $read->json()['updated'], 'both agent messages');

        $history = $this->history($customer, $id);
        $this->assertTrue($history[1]['is_read']);
        $this->assertTrue($history[2]['is_read']);
        $this->assertNotNull($history[2]['read_at']);
        $this->assertFalse($history[0]['is_read'], 'the customer\'s own message waits for the agent');

        $agentRead = $agent->rest('POST', self::NS . "/chat/conversations/{$id}/read", [], ['up_to_id' => $history[0]['id']]);
        $this->assertStatus(200, $agentRead);
        $this->assertSame('agent', $agentRead->json()['reader_type']);
        $this->assertTrue($this->history($customer, $id)[0]['is_read']);

        // Ratings: only the conversation's customer, 1 to 5.
        $rating = self::NS . "/chat/conversations/{$id}/rating";
        $this->assertError(403, 'forbidden', $agent->rest('POST', $rating, [], ['rating' => 5]), 'agent');
        $this->assertError(403, 'forbidden', $this->admin()->rest('POST', $rating, [], ['rating' => 5]), 'admin');
        $this->assertError(403, 'forbidden', $this->customer(2)->rest('POST', $rating, [], ['rating' => 5]), 'other customer');
        foreach ([0, 6, -1, 'five', 4.5, null] as $bad) {
            $response = $customer->rest('POST', $rating, [], ['rating' => $bad]);
            $this->assertSame(400, $response->status, 'rating ' . var_export($bad, true) . ': ' . $response->describe());
            $this->assertContains($response->json()['code'], ['rest_invalid_param', 'invalid_argument', 'rest_missing_callback_param']);
        }
        $this->assertError(400, 'rest_missing_callback_param', $customer->rest('POST', $rating, [], ['comment' => 'no rating']));
        $this->assertNull($this->getConversation($customer, $id)['rating'], 'no invalid rating stored');

        $closed = $customer->rest('POST', self::NS . "/chat/conversations/{$id}/close");
        $this->assertStatus(200, $closed);
        $this->assertSame('closed', $closed->json()['status']);
        $this->assertNotNull($closed->json()['ended_at']);
        $this->assertStatus(200, $customer->rest('POST', self::NS . "/chat/conversations/{$id}/close"), 'closing twice is harmless');

        $rated = $customer->rest('POST', $rating, [], ['rating' => 5, 'comment' => 'Quick <b>and</b> friendly']);
        $this->assertStatus(200, $rated);
        $this->assertSame(5, $rated->json()['rating']);
        $this->assertStringNotContainsString('<', (string) $rated->json()['rating_comment'], 'the comment is plain text');

        $this->assertError(409, 'conflict', $this->postMessage($agent, $id, 'after close'));
    }

    public function testCustomersSeeOnlyTheirOwnConversations(): void
    {
        $mine = (int) $this->startConversation($this->customer(1), 'Customer one here')['id'];
        $theirs = (int) $this->startConversation($this->customer(2), 'Customer two here')['id'];

        $other = $this->customer(2);
        $this->assertError(403, 'forbidden', $other->rest('GET', self::NS . "/chat/conversations/{$mine}"));
        $this->assertError(403, 'forbidden', $other->rest('GET', self::NS . "/chat/conversations/{$mine}/messages"));
        $this->assertError(403, 'forbidden', $this->postMessage($other, $mine, 'hello?'));

        $list = $this->customer(1)->rest('GET', self::NS . '/chat/conversations', ['limit' => 100, 'customer_id' => Env::userId('customer2')]);
        $this->assertStatus(200, $list);
        $ids = array_column($list->json(), 'id');
        $this->assertContains($mine, $ids);
        $this->assertNotContains($theirs, $ids, 'customers cannot list other customers, whatever the filter');
        $this->assertSame([Env::userId('customer1')], array_values(array_unique(array_column($list->json(), 'customer_id'))));

        // Logged-in cookies without X-WP-Nonce are not a login (WordPress's CSRF rule).
        $noNonce = $this->customer(1)->cloneAs('customer1-without-nonce');
        $noNonce->wpNonce = null;
        $this->assertError(401, 'unauthenticated', $noNonce->rest('GET', self::NS . "/chat/conversations/{$mine}"));
    }

    public function testStaffUpdatesAndAssignment(): void
    {
        $customer = $this->customer(1);
        $id = (int) $this->startConversation($customer, 'Tag me')['id'];
        $agent = $this->agent();
        $url = self::NS . "/chat/conversations/{$id}";

        $tagged = $agent->rest('PATCH', $url, [], ['tags' => ['Booking', 'VIP'], 'metadata' => ['priority' => 'high']]);
        $this->assertStatus(200, $tagged);
        $this->assertSame(['booking', 'vip'], $tagged->json()['tags']);
        $this->assertSame('high', $tagged->json()['metadata']['priority']);

        $this->assertError(403, 'forbidden', $customer->rest('PATCH', $url, [], ['tags' => ['x']]), 'customers cannot tag');
        $this->assertError(403, 'forbidden', $agent->rest('PATCH', $url, [], ['assigned_agent_id' => Env::userId('customer2')]), 'agents cannot assign others');

        $self = $agent->rest('PATCH', $url, [], ['assigned_agent_id' => Env::userId('agent1')]);
        $this->assertStatus(200, $self);
        $this->assertSame(Env::userId('agent1'), $self->json()['assigned_agent_id']);
        $this->assertSame('active', $self->json()['status']);

        $admin = $this->admin();
        $this->assertError(400, 'invalid_argument', $admin->rest('PATCH', $url, [], ['assigned_agent_id' => Env::userId('customer2')]), 'not an agent');
        $unassigned = $admin->rest('PATCH', $url, [], ['assigned_agent_id' => 0]);
        $this->assertStatus(200, $unassigned);
        $this->assertNull($unassigned->json()['assigned_agent_id']);

        $this->assertError(400, 'rest_invalid_param', $agent->rest('PATCH', $url, [], ['status' => 'archived']));
        $this->assertError(400, 'invalid_argument', $agent->rest('PATCH', $url, [], []), 'nothing to change');
        $closed = $agent->rest('PATCH', $url, [], ['status' => 'closed']);
        $this->assertStatus(200, $closed);
        $this->assertSame('closed', $closed->json()['status']);
    }

    public function testAgentListsAllConversationsWithFilters(): void
    {
        $guestConversation = (int) $this->startConversation($this->guest())['id'];
        $customerConversation = (int) $this->startConversation($this->customer(2))['id'];

        $all = $this->agent()->rest('GET', self::NS . '/chat/conversations', ['limit' => 100]);
        $this->assertStatus(200, $all);
        $ids = array_column($all->json(), 'id');
        $this->assertContains($guestConversation, $ids);
        $this->assertContains($customerConversation, $ids);
        $sorted = $ids;
        rsort($sorted);
        $this->assertSame($sorted, $ids, 'newest first');

        $filtered = $this->agent()->rest('GET', self::NS . '/chat/conversations', ['customer_id' => Env::userId('customer2'), 'limit' => 100]);
        $this->assertStatus(200, $filtered);
        $this->assertSame([Env::userId('customer2')], array_values(array_unique(array_column($filtered->json(), 'customer_id'))));

        $page = $this->agent()->rest('GET', self::NS . '/chat/conversations', ['limit' => 1]);
        $this->assertCount(1, $page->json());
        $this->assertStringContainsString('rel="next"', (string) $page->header('Link'));
    }
}
