<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\ChatManager;
use BookingX\Addons\LiveChat\InvalidArgumentException;
use BookingX\Addons\LiveChat\NotFoundException;

/** Conversations: create, get, list (filters, cursor, limits), update. */
final class ConversationTest extends ChatTestCase
{
    private const CONVERSATION_KEYS = [
        'id', 'platform', 'platform_conversation_id', 'customer_id', 'visitor_id', 'assigned_agent_id', 'status',
        'rating', 'rating_comment', 'first_response_time', 'resolution_time', 'message_count', 'booking_id', 'tags',
        'metadata', 'started_at', 'ended_at', 'created_at', 'updated_at',
    ];
    private const RFC3339 = '/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/';

    /** A customer id nobody else in this class uses, so list filters see only this test's rows. */
    private static int $nextCustomer = 1000;

    private static function customer(): int
    {
        return ++self::$nextCustomer;
    }

    public function testCreateForAVisitorReturnsTheDocumentedShape(): void
    {
        $visitor = self::visitorId();
        $c = $this->chat()->createConversation(['visitor_id' => $visitor]);
        self::assertSame(self::CONVERSATION_KEYS, array_keys($c));
        self::assertIsInt($c['id']);
        self::assertGreaterThan(0, $c['id']);
        self::assertSame('custom', $c['platform']);
        self::assertSame($visitor, $c['visitor_id']);
        self::assertNull($c['customer_id']);
        self::assertNull($c['assigned_agent_id']);
        self::assertSame('waiting', $c['status']);
        self::assertSame(0, $c['message_count']);
        self::assertSame([], $c['tags']);
        self::assertSame([], $c['metadata']);
        self::assertNull($c['ended_at']);
        self::assertNull($c['rating']);
        foreach (['started_at', 'created_at', 'updated_at'] as $k) {
            self::assertMatchesRegularExpression(self::RFC3339, $c[$k], $k);
            self::assertEqualsWithDelta(time(), strtotime($c[$k]), 120, "$k is not now (UTC)");
        }
        self::assertSame($c, $this->chat()->getConversation($c['id']));

        $row = self::rawRow('conversations', $c['id']);
        self::assertSame($visitor, $row['visitor_id']);
        self::assertSame('waiting', $row['status']);
    }

    public function testCreateWithEverything(): void
    {
        $customer = self::customer();
        $c = $this->chat()->createConversation([
            'platform' => 'intercom',
            'customer_id' => $customer,
            'assigned_agent_id' => 7,
            'platform_conversation_id' => 'ic-123',
            'booking_id' => '42',
            'department' => 'Sales',
            'tags' => [' VIP ', 'vip', 'Billing'],
            'metadata' => ['page' => '/book', 'nested' => ['a' => 1]],
            // The documented form: no sender_type, the first message is always the customer's.
            'message' => ['body' => 'Hello <b>there</b><script>x</script>', 'sender_name' => 'Ann'],
        ]);
        self::assertSame('intercom', $c['platform']);
        self::assertSame($customer, $c['customer_id']);
        self::assertSame(7, $c['assigned_agent_id']);
        self::assertSame('active', $c['status'], 'an assigned conversation is active');
        self::assertSame('ic-123', $c['platform_conversation_id']);
        self::assertSame(42, $c['booking_id']);
        self::assertSame(['vip', 'billing'], $c['tags']);
        self::assertSame(['page' => '/book', 'nested' => ['a' => 1], 'department' => 'Sales'], $c['metadata']);
        self::assertSame(1, $c['message_count']);
        $first = $c['first_message'];
        self::assertSame('customer', $first['sender_type']);
        self::assertSame($customer, $first['sender_id']);
        self::assertSame('Ann', $first['sender_name']);
        self::assertSame('Hello <b>there</b>', $first['body']);
        self::assertSame($c['id'], $first['conversation_id']);

        $got = $this->chat()->getConversation($c['id']);
        unset($c['first_message']);
        self::assertSame($c, $got);
        self::assertSame([$first], $this->chat()->getMessages($c['id']));
    }

    public function testFirstMessageIsTheCustomersEvenIfItSaysOtherwise(): void
    {
        $c = $this->newConversation(['message' => ['body' => 'hi', 'sender_type' => 'agent']]);
        self::assertSame('customer', $c['first_message']['sender_type']);
        self::assertNull($c['first_response_time']);
    }

    public function testFirstMessageAsAString(): void
    {
        $c = $this->newConversation(['message' => '<img src=x onerror=alert(1)>hi']);
        self::assertSame('hi', $c['first_message']['body']);
        self::assertSame(1, $c['message_count']);
    }

    public function testPlatformDefaultsToTheSettings(): void
    {
        $m = new ChatManager(TestDb::managerConfig(static::$prefix, ['platform' => 'zendesk']));
        $c = $m->createConversation(['visitor_id' => self::visitorId()]);
        self::assertSame('zendesk', $c['platform']);
        self::assertSame('zendesk', $m->getSettings()['platform']);
    }

    public function testCreateNeedsACustomerOrVisitor(): void
    {
        $rows = self::countRows('conversations');
        $e = $this->expectChatError(fn () => $this->chat()->createConversation([]), InvalidArgumentException::class, 'invalid_argument');
        self::assertSame('customer_id', $e->getDetails()['field'] ?? null);
        $this->expectChatError(fn () => $this->chat()->createConversation(['visitor_id' => 'short']), InvalidArgumentException::class, 'invalid_argument');
        $this->expectChatError(fn () => $this->chat()->createConversation(['visitor_id' => 'bad id with spaces']), InvalidArgumentException::class, 'invalid_argument');
        $this->expectChatError(fn () => $this->chat()->createConversation(['customer_id' => 0]), InvalidArgumentException::class, 'invalid_argument');
        $this->expectChatError(fn () => $this->chat()->createConversation(['customer_id' => 'abc']), InvalidArgumentException::class, 'invalid_argument');
        self::assertSame($rows, self::countRows('conversations'));
    }

    /** @return iterable<string, array{array}> */
    public function invalidCreations(): iterable
    {
        yield 'unknown platform' => [['platform' => 'myspace']];
        yield 'tags as a string' => [['tags' => 'vip']];
        yield 'tags with non-strings' => [['tags' => ['vip', 7]]];
        yield 'tags with an array' => [['tags' => [['x']]]];
        yield 'metadata as a string' => [['metadata' => 'x']];
        yield 'metadata as a list' => [['metadata' => [1, 2]]];
        yield 'metadata with an object' => [['metadata' => ['o' => new stdClass()]]];
        yield 'oversized metadata' => [['metadata' => ['blob' => str_repeat('x', 20000)]]];
        yield 'booking_id as text' => [['booking_id' => 'soon']];
        yield 'assigned_agent_id negative' => [['assigned_agent_id' => -3]];
        yield 'first message too long' => [['message' => str_repeat('a', 10001)], 'payload_too_large'];
        yield 'first message empty' => [['message' => '<script>x</script>']];
        yield 'first message wrong type' => [['message' => 5]];
        yield 'first message body as an array' => [['message' => ['body' => ['x']]]];
    }

    /** @dataProvider invalidCreations */
    public function testInvalidCreationStoresNothing(array $data, string $code = 'invalid_argument'): void
    {
        $conversations = self::countRows('conversations');
        $messages = self::countRows('messages');
        $this->expectChatError(
            fn () => $this->chat()->createConversation($data + ['customer_id' => self::customer()]),
            InvalidArgumentException::class,
            $code
        );
        self::assertSame($conversations, self::countRows('conversations'));
        self::assertSame($messages, self::countRows('messages'));
    }

    public function testGetUnknownConversation(): void
    {
        $e = $this->expectChatError(fn () => $this->chat()->getConversation(987654321), NotFoundException::class, 'not_found');
        self::assertSame(987654321, $e->getDetails()['id'] ?? null);
        $this->expectChatError(fn () => $this->chat()->getConversation(0), InvalidArgumentException::class, 'invalid_argument');
        $this->expectChatError(fn () => $this->chat()->getConversation(-5), InvalidArgumentException::class, 'invalid_argument');
    }

    public function testListIsNewestFirstAndFilters(): void
    {
        $customer = self::customer();
        $waiting = $this->chat()->createConversation(['customer_id' => $customer]);
        $active = $this->chat()->createConversation(['customer_id' => $customer, 'assigned_agent_id' => 55]);
        $zendesk = $this->chat()->createConversation(['customer_id' => $customer, 'platform' => 'zendesk']);
        $closed = $this->chat()->createConversation(['customer_id' => $customer]);
        $this->chat()->closeConversation($closed['id']);
        $visitor = self::visitorId();
        $guest = $this->chat()->createConversation(['visitor_id' => $visitor]);

        $ids = fn (array $filters) => array_column($this->chat()->listConversations($filters), 'id');

        self::assertSame([$closed['id'], $zendesk['id'], $active['id'], $waiting['id']], $ids(['customer_id' => $customer]));
        self::assertSame([$closed['id'], $zendesk['id'], $active['id'], $waiting['id']], $ids(['customer_id' => (string) $customer]));
        self::assertSame([$zendesk['id'], $waiting['id']], $ids(['customer_id' => $customer, 'status' => 'waiting']));
        self::assertSame([$closed['id']], $ids(['customer_id' => $customer, 'status' => 'closed']));
        self::assertSame([$active['id']], $ids(['customer_id' => $customer, 'status' => 'active']));
        self::assertSame([$zendesk['id']], $ids(['customer_id' => $customer, 'platform' => 'zendesk']));
        self::assertSame([$active['id']], $ids(['customer_id' => $customer, 'assigned_agent_id' => 55]));
        self::assertSame([$closed['id'], $zendesk['id'], $waiting['id']], $ids(['customer_id' => $customer, 'unassigned' => true]));
        self::assertSame([$guest['id']], $ids(['visitor_id' => $visitor]));
        self::assertSame([], $ids(['visitor_id' => self::visitorId()]));

        $all = $this->chat()->listConversations([]);
        $allIds = array_column($all, 'id');
        $sorted = $allIds;
        rsort($sorted);
        self::assertSame($sorted, $allIds, 'newest first');
        self::assertSame(self::CONVERSATION_KEYS, array_keys($all[0]));
    }

    public function testListCursorAndLimits(): void
    {
        $customer = self::customer();
        $created = [];
        for ($i = 0; $i < 25; $i++) {
            $created[] = $this->chat()->createConversation(['customer_id' => $customer])['id'];
        }
        $newestFirst = array_reverse($created);

        $page = fn (array $f) => array_column($this->chat()->listConversations($f + ['customer_id' => $customer]), 'id');

        self::assertSame(array_slice($newestFirst, 0, 20), $page([]), 'the default limit is 20');
        self::assertSame(array_slice($newestFirst, 0, 1), $page(['limit' => 1]));
        self::assertSame($newestFirst, $page(['limit' => 100]));

        // Walk the cursor 10 at a time: every conversation exactly once, in order.
        $seen = [];
        $before = null;
        do {
            $ids = $page(['limit' => 10] + ($before === null ? [] : ['before_id' => $before]));
            $seen = array_merge($seen, $ids);
            $before = $ids === [] ? null : end($ids);
        } while (count($ids) === 10);
        self::assertSame($newestFirst, $seen);

        self::assertSame(array_slice($newestFirst, 11, 3), $page(['before_id' => $newestFirst[10], 'limit' => 3]));
        self::assertSame([], $page(['before_id' => $created[0]]));

        foreach ([0, 101, -1, 'many', 1000] as $bad) {
            $e = $this->expectChatError(fn () => $page(['limit' => $bad]), InvalidArgumentException::class, 'invalid_argument');
            self::assertSame('limit', $e->getDetails()['field'] ?? null);
        }
        foreach ([['status' => 'open'], ['platform' => 'x'], ['before_id' => 'x'], ['before_id' => 0], ['unassigned' => 'maybe'], ['customer_id' => []]] as $bad) {
            $this->expectChatError(fn () => $this->chat()->listConversations($bad), InvalidArgumentException::class, 'invalid_argument');
        }
    }

    public function testUpdateConversation(): void
    {
        $c = $this->newConversation(['tags' => ['a'], 'metadata' => ['x' => 1, 'y' => 2]]);
        $u = $this->chat()->updateConversation($c['id'], ['assigned_agent_id' => 9]);
        self::assertSame(9, $u['assigned_agent_id']);
        self::assertSame('active', $u['status'], 'assigning an agent activates a waiting conversation');

        $u = $this->chat()->updateConversation($c['id'], ['tags' => ['New', 'new', ' other '], 'metadata' => ['y' => 3, 'z' => 4], 'booking_id' => 77]);
        self::assertSame(['new', 'other'], $u['tags'], 'tags are replaced');
        self::assertSame(['x' => 1, 'y' => 3, 'z' => 4], $u['metadata'], 'metadata is merged');
        self::assertSame(77, $u['booking_id']);

        $u = $this->chat()->updateConversation($c['id'], ['assigned_agent_id' => null]);
        self::assertNull($u['assigned_agent_id']);

        $u = $this->chat()->updateConversation($c['id'], ['status' => 'closed']);
        self::assertSame('closed', $u['status']);
        self::assertNotNull($u['ended_at']);
        $u = $this->chat()->updateConversation($c['id'], ['status' => 'active']);
        self::assertNull($u['ended_at'], 'reopening clears ended_at');
        self::assertSame($u, $this->chat()->getConversation($c['id']));

        $before = $this->chat()->getConversation($c['id']);
        $this->expectChatError(fn () => $this->chat()->updateConversation($c['id'], ['status' => 'archived']), InvalidArgumentException::class, 'invalid_argument');
        $this->expectChatError(fn () => $this->chat()->updateConversation($c['id'], ['tags' => [1]]), InvalidArgumentException::class, 'invalid_argument');
        $this->expectChatError(fn () => $this->chat()->updateConversation($c['id'], ['metadata' => 'x']), InvalidArgumentException::class, 'invalid_argument');
        self::assertSame($before, $this->chat()->getConversation($c['id']));
        $this->expectChatError(fn () => $this->chat()->updateConversation(987654321, ['status' => 'active']), NotFoundException::class, 'not_found');
    }
}
