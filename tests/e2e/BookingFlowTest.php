<?php
/**
 * Booking from the chat, end to end over HTTP: an agent sends a slot card, the guest books
 * a slot of it, and the booking exists in BookingX's storage (post, meta, order_meta_data,
 * bookingTimeRecord) made by BookingX's own creation path (its confirmation e-mail is
 * captured), linked to the conversation, marked as coming from the chat, announced once with
 * bkx_booking_created and shown as a `booking` card; a second visitor racing for the same
 * slot gets 409 booking_unavailable with fresh options; who may ask what.
 */

declare(strict_types=1);

namespace BkxE2E;

require_once dirname(__DIR__) . '/fixtures/bookingx/tests/BookingE2E.php';

final class BookingFlowTest extends E2ETestCase
{
    use BookingE2E;

    private const DAY = '2027-03-24';

    protected function setUp(): void
    {
        parent::setUp();
        $this->seed();
    }

    public static function tearDownAfterClass(): void
    {
        static::$ids = null;
        self::restoreSiteTimezone();
    }

    public function testAgentCardGuestBooksAndBookingXStoresIt(): void
    {
        $ids = static::$ids;
        $guest = $this->guest('booker');
        $conversation = $this->startConversation($guest, 'I would like a massage on Wednesday.');
        $cid = (int) $conversation['id'];
        $this->admin()->rest('DELETE', '/bkx-fixture/v1/mails');
        $this->admin()->rest('DELETE', '/bkx-fixture/v1/hooks');

        // The agent checks availability and sends it as a card (holding the slots).
        $response = $this->agent()->rest('POST', self::NS . '/chat/availability', [], [
            'conversation_id' => $cid, 'service_id' => $ids['bases']['massage'], 'resource_id' => $ids['seats']['anna'],
            'extras' => [$ids['extras']['oil']], 'date' => self::DAY, 'send_card' => true, 'limit' => 4,
        ]);
        $this->assertStatus(200, $response);
        $answer = $response->json();
        $message = $answer['message'];
        $this->assertSame('booking_slots', $message['message_type']);
        $this->assertSame('system', $message['sender_type']);
        $card = $message['metadata']['card'];
        $this->assertSame($ids['bases']['massage'], (int) $card['service_id']);
        $this->assertCount(4, $card['slots']);
        $this->assertNotEmpty($card['hold_until'] ?? null, 'the offered slots are held');
        $this->assertNotSame('', trim(strip_tags($message['body'])), 'a plain-text fallback');

        // The guest sees the card in the history and books its second slot.
        $history = $this->history($guest, $cid);
        $cards = array_values(array_filter($history, static fn(array $m): bool => 'booking_slots' === $m['message_type']));
        $this->assertCount(1, $cards);
        $slot = $cards[0]['metadata']['card']['slots'][1];
        $response = $guest->rest('POST', self::NS . '/chat/bookings', [], [
            'conversation_id' => $cid, 'service_id' => $ids['bases']['massage'], 'extras' => [$ids['extras']['oil']],
            'slot' => ['start' => $slot['start'], 'resource_id' => $slot['resource_id']],
            'first_name' => 'Greta', 'last_name' => 'Guest', 'email' => 'greta@example.test', 'phone' => '+49 30 123',
        ]);
        $this->assertStatus(201, $response);
        $created = $response->json();
        $bookingId = (int) $created['booking_id'];
        $this->assertGreaterThan(0, $bookingId);
        $this->assertSame($bookingId, (int) $created['conversation']['booking_id'], 'the conversation is linked');
        $this->assertSame('booking', $created['message']['message_type']);
        $this->assertSame($bookingId, (int) $created['message']['metadata']['card']['booking_id']);

        // BookingX's storage, exactly as its own front end leaves it.
        $local = (new \DateTimeImmutable($slot['start']))->setTimezone(new \DateTimeZone(self::TZ));
        $stored = $this->storedBooking($bookingId);
        $this->assertSame('bkx_booking', $stored['post']['post_type']);
        $this->assertSame('bkx-pending', $stored['post']['post_status']);
        $this->assertTrue($stored['post']['has_password'], 'post_password = uniqid(order_)');
        $meta = $stored['meta'];
        $this->assertSame((string) $ids['seats']['anna'], (string) $meta['seat_id']);
        $this->assertSame((string) $ids['bases']['massage'], (string) $meta['base_id']);
        $this->assertSame((string) $ids['extras']['oil'], (string) $meta['addition_ids']);
        $this->assertSame(self::DAY, $meta['booking_date']);
        $this->assertSame($local->format('H:i'), $meta['booking_time_from']);
        $this->assertSame(['in_sec' => 5400], $meta['booking_time'], 'massage 60 + oil 30 minutes');
        $this->assertSame('greta@example.test', $meta['email']);
        $this->assertSame('Greta', $meta['first_name']);
        $this->assertSame('chat', $meta['booking_source']);
        $this->assertSame($cid, (int) $meta['bkx_livechat_conversation_id']);
        $this->assertSame('chat', $meta['order_meta_data']['booking_source'], 'the mark is inside order_meta_data too');
        $this->assertSame('52.80', $meta['total_price'], '(40 + 8 sale oil) + 10 % tax');
        $first = GenerateSlot::of($local->format('H:i'));
        $this->assertSame([[
            'booking_record_id' => $bookingId, 'booking_date' => self::DAY, 'booking_time_from' => $local->format('H:i'),
            'booking_time_till' => '', 'full_day' => implode(',', range($first, $first + 5)) . ',', 'created_date' => $meta['created_date'],
        ]], $meta['bookingTimeRecord']);
        $this->assertSame('1', (string) $meta['bkx_customer_email_trigger'], 'MakeBookingProcess ran its post-creation steps');

        // BookingX's confirmation e-mails, once each.
        $mails = $this->mails();
        $customer = array_values(array_filter($mails, static fn(array $m): bool => in_array('greta@example.test', $m['to'], true)));
        $this->assertCount(1, $customer, 'one confirmation to the customer');
        $this->assertStringContainsString("#{$bookingId}", $customer[0]['subject']);
        $business = array_values(array_filter($mails, static fn(array $m): bool => in_array('bookings@example.test', $m['to'], true)));
        $this->assertCount(1, $business, 'one notice to the business');

        // bkx_booking_created, exactly once, for this booking.
        $this->assertSame([(string) $bookingId => 1], array_map('intval', $this->hookCounts()));

        // The booking card shows in the guest's history.
        $kinds = array_column($this->history($guest, $cid), 'message_type');
        $this->assertContains('booking', $kinds);

        // The slot is gone from availability now.
        $after = $this->admin()->rest('GET', self::NS . '/chat/availability', [
            'service_id' => $ids['bases']['massage'], 'resource_id' => $ids['seats']['anna'], 'date' => self::DAY,
        ])->json();
        $this->assertNotContains($slot['start'], array_column($after['slots'], 'start'));
    }

    public function testSecondVisitorRacingForTheSameSlotGetsFreshOptions(): void
    {
        $ids = static::$ids;
        $day = '2027-03-30';
        $slots = $this->admin()->rest('GET', self::NS . '/chat/availability', [
            'service_id' => $ids['bases']['facial'], 'resource_id' => $ids['seats']['anna'], 'date' => $day,
        ])->json()['slots'];
        $this->assertNotEmpty($slots);
        $target = $slots[2];

        $first = $this->guest('racer-one');
        $second = $this->guest('racer-two');
        $c1 = (int) $this->startConversation($first, 'Facial please')['id'];
        $c2 = (int) $this->startConversation($second, 'Facial for me too')['id'];
        $book = fn(HttpClient $who, int $cid, string $email) => $who->rest('POST', self::NS . '/chat/bookings', [], [
            'conversation_id' => $cid, 'service_id' => $ids['bases']['facial'],
            'slot' => ['start' => $target['start'], 'resource_id' => $target['resource_id']],
            'first_name' => 'Racer', 'email' => $email,
        ]);

        $this->assertStatus(201, $book($first, $c1, 'one@example.test'));
        $lost = $book($second, $c2, 'two@example.test');
        $this->assertError(409, 'booking_unavailable', $lost);
        $alternatives = $lost->json()['data']['alternatives'] ?? null;
        $this->assertIsArray($alternatives);
        $this->assertNotEmpty($alternatives, 'fresh options');
        $this->assertNotContains($target['start'], array_column($alternatives, 'start'));
        // The alternatives really are free: booking one works.
        $retry = $second->rest('POST', self::NS . '/chat/bookings', [], [
            'conversation_id' => $c2, 'service_id' => $ids['bases']['facial'],
            'slot' => ['start' => $alternatives[0]['start'], 'resource_id' => $alternatives[0]['resource_id']],
            'first_name' => 'Racer', 'email' => 'two@example.test',
        ]);
        $this->assertStatus(201, $retry);
        $this->assertSame((int) $retry->json()['booking_id'], (int) $this->getConversation($second, $c2)['booking_id']);
    }

    public function testHeldSlotsAreNotOfferedToOthersUntilReleased(): void
    {
        $ids = static::$ids;
        $day = '2027-03-31';
        $owner = $this->guest('holder');
        $other = $this->guest('bystander');
        $c1 = (int) $this->startConversation($owner, 'Massage with Cleo?')['id'];
        $c2 = (int) $this->startConversation($other, 'Massage?')['id'];
        $card = $this->agent()->rest('POST', self::NS . '/chat/availability', [], [
            'conversation_id' => $c1, 'service_id' => $ids['bases']['massage'], 'resource_id' => $ids['seats']['cleo'],
            'date' => $day, 'send_card' => true, 'limit' => 2, 'hold_minutes' => 5,
        ]);
        $this->assertStatus(200, $card);
        $held = array_column($card->json()['message']['metadata']['card']['slots'], 'start');
        $this->assertCount(2, $held);

        $query = ['service_id' => $ids['bases']['massage'], 'resource_id' => $ids['seats']['cleo'], 'date' => $day];
        $seenByOther = array_column($other->rest('GET', self::NS . '/chat/availability', $query + ['conversation_id' => $c2])->json()['slots'], 'start');
        foreach ($held as $start) {
            $this->assertNotContains($start, $seenByOther, 'held for the other conversation');
        }
        $seenByOwner = array_column($owner->rest('GET', self::NS . '/chat/availability', $query + ['conversation_id' => $c1])->json()['slots'], 'start');
        foreach ($held as $start) {
            $this->assertContains($start, $seenByOwner, 'still offered to the conversation holding it');
        }
        // The other visitor cannot book a held slot.
        $grab = $other->rest('POST', self::NS . '/chat/bookings', [], [
            'conversation_id' => $c2, 'service_id' => $ids['bases']['massage'],
            'slot' => ['start' => $held[0], 'resource_id' => $ids['seats']['cleo']], 'first_name' => 'By', 'email' => 'by@example.test',
        ]);
        $this->assertError(409, 'booking_unavailable', $grab);
        // The holder books it; its hold is gone with the booking.
        $this->assertStatus(201, $owner->rest('POST', self::NS . '/chat/bookings', [], [
            'conversation_id' => $c1, 'service_id' => $ids['bases']['massage'],
            'slot' => ['start' => $held[0], 'resource_id' => $ids['seats']['cleo']], 'first_name' => 'Holder', 'email' => 'holder@example.test',
        ]));
    }

    public function testQuoteAndLinkCards(): void
    {
        $ids = static::$ids;
        $guest = $this->guest('linker');
        $cid = (int) $this->startConversation($guest, 'How much is a facial?')['id'];
        $quote = $this->agent()->rest('POST', self::NS . '/chat/quote', [], [
            'conversation_id' => $cid, 'service_id' => $ids['bases']['facial'], 'resource_id' => $ids['seats']['ben'],
            'extras' => [$ids['extras']['stones']], 'send_card' => true,
        ]);
        $this->assertStatus(200, $quote);
        $this->assertSame('quote', $quote->json()['message']['message_type']);
        $this->assertEqualsWithDelta(75.34, (float) $quote->json()['total'], 0.005, '(55.50 + 12.99) + 10 %');

        $link = $this->agent()->rest('POST', self::NS . '/chat/booking-links', [], [
            'conversation_id' => $cid, 'service_id' => $ids['bases']['facial'], 'resource_id' => $ids['seats']['ben'],
            'date' => '2027-03-31', 'time' => '14:00', 'send_card' => true,
        ]);
        $this->assertStatus(200, $link);
        $body = $link->json();
        $this->assertSame('booking_link', $body['message']['message_type']);
        $query = [];
        parse_str((string) parse_url((string) $body['url'], PHP_URL_QUERY), $query);
        $this->assertSame((string) $ids['bases']['facial'], (string) ($query['bookingx_type_id'] ?? ''), 'BookingX deep link to the service');
        $this->assertStringContainsString('2027-03-31', (string) $body['url']);
        $kinds = array_column($this->history($guest, $cid), 'message_type');
        $this->assertContains('quote', $kinds);
        $this->assertContains('booking_link', $kinds);
    }

    public function testPermissions(): void
    {
        $ids = static::$ids;
        $owner = $this->guest('owner');
        $cid = (int) $this->startConversation($owner, 'Hi')['id'];
        $query = ['conversation_id' => $cid, 'service_id' => $ids['bases']['massage'], 'date' => self::DAY];

        // The customer may ask about their own conversation...
        $this->assertStatus(200, $owner->rest('GET', self::NS . '/chat/availability', $query));
        // ...but not send cards.
        $this->assertError(403, 'forbidden', $owner->rest('POST', self::NS . '/chat/availability', [], $query + ['send_card' => true]));

        // Another guest: not this conversation, not without one, not booking into it.
        $stranger = $this->guest('stranger');
        $this->startConversation($stranger, 'Hello');
        $this->assertError(403, 'forbidden', $stranger->rest('GET', self::NS . '/chat/availability', $query));
        $this->assertError(403, 'forbidden', $stranger->rest('POST', self::NS . '/chat/quote', [], ['conversation_id' => $cid, 'service_id' => $ids['bases']['massage']]));
        $this->assertError(403, 'forbidden', $stranger->rest('GET', self::NS . '/chat/availability', ['service_id' => $ids['bases']['massage'], 'date' => self::DAY]));
        $this->assertError(403, 'forbidden', $stranger->rest('POST', self::NS . '/chat/bookings', [], [
            'conversation_id' => $cid, 'service_id' => $ids['bases']['massage'],
            'slot' => ['start' => '2027-03-24T11:00:00+01:00', 'resource_id' => $ids['seats']['anna']], 'first_name' => 'X', 'email' => 'x@example.test',
        ]));
        // A logged-in customer is a stranger to a guest's conversation too.
        $this->assertError(403, 'forbidden', $this->customer(1)->rest('GET', self::NS . '/chat/availability', $query));
        // Nobody at all: 401.
        $this->assertError(401, 'unauthenticated', $this->guest('nobody')->rest('GET', self::NS . '/chat/availability', $query));
        // A guest write without the chat nonce is refused.
        $this->assertError(403, 'forbidden', $owner->rest('POST', self::NS . '/chat/quote', [], ['conversation_id' => $cid, 'service_id' => $ids['bases']['massage']], ['X-BKX-Chat-Nonce' => null]));
        // Agents may ask about any conversation and without one.
        $this->assertStatus(200, $this->agent()->rest('GET', self::NS . '/chat/availability', $query));
        $this->assertStatus(200, $this->agent()->rest('GET', self::NS . '/chat/availability', ['service_id' => $ids['bases']['massage'], 'date' => self::DAY]));
        // Input errors.
        $this->assertError(400, 'invalid_argument', $this->agent()->rest('GET', self::NS . '/chat/availability', ['service_id' => $ids['bases']['massage'], 'date_from' => '2027-03-01', 'date_to' => '2027-06-01']));
        $this->assertError(400, 'invalid_argument', $this->agent()->rest('GET', self::NS . '/chat/availability', ['service_id' => $ids['bases']['retreat'], 'resource_id' => $ids['seats']['anna'], 'date' => self::DAY]));
        $this->assertError(404, 'not_found', $this->agent()->rest('GET', self::NS . '/chat/availability', ['service_id' => 999999, 'date' => self::DAY]));
    }
}

/** BookingX's slot numbering (00:00 is slot 1), for expected full_day lists. */
final class GenerateSlot
{
    public static function of(string $time): int
    {
        [$h, $m] = array_map('intval', explode(':', $time));
        return $h * 4 + intdiv($m, 15) + 1;
    }
}
