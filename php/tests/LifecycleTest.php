<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\ChatException;
use BookingX\Addons\LiveChat\InvalidArgumentException;
use BookingX\Addons\LiveChat\NotFoundException;

/** Read receipts, closing, rating and tagging. */
final class LifecycleTest extends ChatTestCase
{
    /** @return array{0: array, 1: list<array>} a conversation and its messages, sent in turn */
    private function conversationWithHistory(): array
    {
        $c = $this->newConversation(['assigned_agent_id' => 3]);
        $sent = [];
        foreach ([['customer', 'hi'], ['agent', 'hello'], ['system', 'Maria joined'], ['customer', 'a question'], ['agent', 'an answer']] as [$who, $body]) {
            $sent[] = $this->chat()->sendMessage($c['id'], ['sender_type' => $who, 'body' => $body]);
        }
        return [$c, $sent];
    }

    /** @return array<int, array{0: bool, 1: ?string}> id => [is_read, read_at] */
    private function readState(int $conversationId): array
    {
        $out = [];
        foreach ($this->chat()->getMessages($conversationId) as $m) {
            $out[$m['id']] = [$m['is_read'], $m['read_at']];
        }
        return $out;
    }

    public function testCustomerReadsTheAgentSideOnly(): void
    {
        [$c, $sent] = $this->conversationWithHistory();
        $r = $this->chat()->markRead($c['id'], ['reader_type' => 'customer']);
        self::assertSame(['conversation_id', 'reader_type', 'up_to_id', 'read_at', 'updated'], array_keys($r));
        self::assertSame($c['id'], $r['conversation_id']);
        self::assertSame('customer', $r['reader_type']);
        self::assertSame(end($sent)['id'], $r['up_to_id'], 'default: everything so far');
        self::assertSame(3, $r['updated'], 'two agent messages and one system message');
        self::assertMatchesRegularExpression('/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/', $r['read_at']);

        $state = $this->readState($c['id']);
        foreach ($sent as $m) {
            if ($m['sender_type'] === 'customer') {
                self::assertSame([false, null], $state[$m['id']], 'the reader\'s own messages stay unread');
                self::assertSame(0, (int) self::rawRow('messages', $m['id'])['is_read']);
            } else {
                self::assertSame([true, $r['read_at']], $state[$m['id']]);
                $row = self::rawRow('messages', $m['id']);
                self::assertSame(1, (int) $row['is_read']);
                self::assertNotNull($row['read_at']);
            }
        }

        $again = $this->chat()->markRead($c['id'], ['reader_type' => 'customer']);
        self::assertSame(0, $again['updated'], 'marking twice changes nothing');
        self::assertSame($state, $this->readState($c['id']), 'read_at is not moved by a second call');
    }

    public function testAgentReadsUpToAnId(): void
    {
        [$c, $sent] = $this->conversationWithHistory();
        $r = $this->chat()->markRead($c['id'], ['reader_type' => 'agent', 'up_to_id' => $sent[2]['id']]);
        self::assertSame($sent[2]['id'], $r['up_to_id']);
        self::assertSame(1, $r['updated'], 'only the first customer message is at or before up_to_id');
        $state = $this->readState($c['id']);
        self::assertTrue($state[$sent[0]['id']][0]);
        self::assertFalse($state[$sent[1]['id']][0], 'agent messages are not the agent\'s to mark');
        self::assertFalse($state[$sent[2]['id']][0], 'system messages are read by the customer side');
        self::assertFalse($state[$sent[3]['id']][0], 'after up_to_id');

        $r = $this->chat()->markRead($c['id'], ['reader_type' => 'agent', 'up_to_id' => (string) $sent[4]['id']]);
        self::assertSame(1, $r['updated']);
        self::assertTrue($this->readState($c['id'])[$sent[3]['id']][0]);
    }

    public function testMarkReadValidation(): void
    {
        [$c] = $this->conversationWithHistory();
        $before = $this->readState($c['id']);
        foreach ([[], ['reader_type' => 'system'], ['reader_type' => 'robot'], ['reader_type' => 'agent', 'up_to_id' => 'x'], ['reader_type' => 'agent', 'up_to_id' => 0]] as $bad) {
            $this->expectChatError(fn () => $this->chat()->markRead($c['id'], $bad), InvalidArgumentException::class, 'invalid_argument');
        }
        self::assertSame($before, $this->readState($c['id']));
        $this->expectChatError(fn () => $this->chat()->markRead(987654321, ['reader_type' => 'agent']), NotFoundException::class, 'not_found');
    }

    public function testCloseSetsEndedAtAndResolutionTime(): void
    {
        [$c] = $this->conversationWithHistory();
        $closed = $this->chat()->closeConversation($c['id']);
        self::assertSame('closed', $closed['status']);
        self::assertMatchesRegularExpression('/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/', $closed['ended_at']);
        self::assertIsInt($closed['resolution_time']);
        self::assertSame(strtotime($closed['ended_at']) - strtotime($closed['started_at']), $closed['resolution_time']);
        self::assertSame($closed, $this->chat()->getConversation($c['id']));
        $row = self::rawRow('conversations', $c['id']);
        self::assertSame('closed', $row['status']);
        self::assertNotNull($row['ended_at']);
        self::assertNotNull($row['resolution_time']);

        self::assertSame($closed, $this->chat()->closeConversation($c['id']), 'closing twice is harmless');
        $this->expectChatError(fn () => $this->chat()->closeConversation(987654321), NotFoundException::class, 'not_found');
    }

    public function testSendingAfterCloseIsAConflict(): void
    {
        [$c] = $this->conversationWithHistory();
        $early = $this->chat()->sendMessage($c['id'], ['sender_type' => 'customer', 'body' => 'before close', 'client_id' => 'early']);
        $this->chat()->closeConversation($c['id']);
        foreach (['customer', 'agent', 'system'] as $who) {
            $e = $this->assertRejectedWithoutWrite(
                $c['id'],
                fn () => $this->chat()->sendMessage($c['id'], ['sender_type' => $who, 'body' => 'too late']),
                ChatException::class,
                'conflict'
            );
            self::assertSame(ChatException::class, get_class($e), 'conflict is thrown as the base class');
            self::assertSame($c['id'], $e->getDetails()['conversation_id'] ?? null);
        }
        // A retry of a message sent before closing still gets the stored message back.
        $retry = $this->chat()->sendMessage($c['id'], ['sender_type' => 'customer', 'body' => 'before close', 'client_id' => 'early']);
        self::assertSame($early, $retry);
    }

    public function testRatingIsOneToFive(): void
    {
        $c = $this->newConversation();
        foreach ([1, 2, 3, 4, 5] as $r) {
            self::assertSame($r, $this->chat()->rateConversation($c['id'], $r)['rating']);
        }
        foreach ([0, 6, -1, 100] as $bad) {
            $e = $this->expectChatError(fn () => $this->chat()->rateConversation($c['id'], $bad), InvalidArgumentException::class, 'invalid_argument');
            self::assertSame(['field' => 'rating', 'min' => 1, 'max' => 5], $e->getDetails());
        }
        self::assertSame(5, $this->chat()->getConversation($c['id'])['rating']);
        $this->expectChatError(fn () => $this->chat()->rateConversation(987654321, 4), NotFoundException::class, 'not_found');
    }

    public function testRatingCommentIsPlainText(): void
    {
        $c = $this->newConversation();
        $r = $this->chat()->rateConversation($c['id'], 4, ' <b>Great</b> service & <i>fast</i><script>alert(1)</script> ');
        self::assertSame(4, $r['rating']);
        self::assertSame('Great service & fast', $r['rating_comment']);
        self::assertSame('Great service & fast', self::rawRow('conversations', $c['id'])['rating_comment']);
        self::assertSame($r, $this->chat()->getConversation($c['id']));

        $r = $this->chat()->rateConversation($c['id'], 5, '1 < 2 &amp; 3 > 2');
        self::assertSame('1 < 2 & 3 > 2', $r['rating_comment'], 'entities decoded, text kept');

        $r = $this->chat()->rateConversation($c['id'], 3, str_repeat('w', 1000));
        self::assertSame(str_repeat('w', 1000), $r['rating_comment']);

        $before = $this->chat()->getConversation($c['id']);
        $e = $this->expectChatError(fn () => $this->chat()->rateConversation($c['id'], 5, str_repeat('w', 1001)), InvalidArgumentException::class, 'invalid_argument');
        self::assertSame('comment', $e->getDetails()['field'] ?? null);
        self::assertSame($before, $this->chat()->getConversation($c['id']));

        $r = $this->chat()->rateConversation($c['id'], 2, null);
        self::assertSame(2, $r['rating']);
        self::assertNull($r['rating_comment']);
        $r = $this->chat()->rateConversation($c['id'], 2, '<script>only script</script>');
        self::assertNull($r['rating_comment'], 'a comment with no text is no comment');
    }

    public function testTagsAreNormalised(): void
    {
        $c = $this->newConversation(['tags' => ['existing']]);
        $t = $this->chat()->tagConversation($c['id'], ['  VIP ', 'vip', 'Billing', 'VIP', '', '   ', '<b>Bold</b>']);
        self::assertSame(['existing', 'vip', 'billing', 'bold'], $t['tags']);
        self::assertSame($t, $this->chat()->getConversation($c['id']));
        self::assertSame(['existing', 'vip', 'billing', 'bold'], json_decode(self::rawRow('conversations', $c['id'])['tags'], true));

        $t = $this->chat()->tagConversation($c['id'], ['billing', 'New']);
        self::assertSame(['existing', 'vip', 'billing', 'bold', 'new'], $t['tags'], 'adds, never duplicates');
        self::assertSame(str_repeat('t', 50), $this->chat()->tagConversation($c['id'], [str_repeat('T', 50)])['tags'][5]);
    }

    public function testInvalidTagsChangeNothing(): void
    {
        $c = $this->newConversation(['tags' => ['one']]);
        $before = $this->chat()->getConversation($c['id']);
        foreach ([[1, 2], ['ok', 3], [['nested']], ['ok', null], ['ok', true], ['a' => 'x'], [str_repeat('x', 51)]] as $bad) {
            $this->expectChatError(fn () => $this->chat()->tagConversation($c['id'], $bad), InvalidArgumentException::class, 'invalid_argument');
        }
        self::assertSame($before, $this->chat()->getConversation($c['id']));
        $this->expectChatError(fn () => $this->chat()->tagConversation(987654321, ['x']), NotFoundException::class, 'not_found');
    }
}
