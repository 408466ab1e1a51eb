<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\BookingAssistant;
use BookingX\Addons\LiveChat\BookingException;
use BookingX\Addons\LiveChat\ChatManager;

/**
 * `BookingAssistant` through the extension: free times, prices and holds as the plugin sees
 * them, on a small catalog shaped as docs/booking.md describes.
 *
 * The day (Tuesday 2030-01-08, UTC) opens 09:00–12:00: slots 37..48 of BookingX's 15-minute
 * grid (slot = H×4 + 1 for :00). A bkx-ack booking holds slots 41–44 (10:00–11:00); a
 * bkx-cancelled one on 45–48 holds nothing. A 60-minute service needs four free slots inside
 * the open ones, so the starts are 09:00 (37–40) and 11:00 (45–48) only: 09:15..10:45 touch
 * slot 41–44 and 11:15 would need slot 49, after closing.
 */
final class BookingAssistantTest extends ChatTestCase
{
    private static function catalog(): array
    {
        return [
            'timezone' => 'UTC',
            'now' => '2030-01-07T08:00:00+00:00',
            'currency' => 'EUR',
            'currency_symbol' => '€',
            'tax' => ['rate' => 10.0, 'name' => 'VAT', 'inclusive' => false],
            'business_hours' => [['days' => ['Tuesday'], 'open' => '09:00', 'close' => '12:00']],
            'holidays' => [],
            'services' => [[
                'id' => 7, 'name' => 'Massage', 'price' => 40.0, 'sale_price' => 35.0,
                'time_option' => 'H', 'minutes' => 60, 'days' => 0, 'months' => 0,
                'extendable' => false, 'extension_limit' => 0, 'resource_ids' => [12],
            ]],
            'resources' => [['id' => 12, 'name' => 'Anna', 'hours' => [], 'months' => null, 'prepayment' => null]],
            'extras' => [[
                'id' => 9, 'name' => 'Aroma oil', 'price' => 10.0, 'sale_price' => 8.0,
                'time_option' => 'H', 'minutes' => 15, 'days' => 0, 'months' => 0, 'service_ids' => [7],
            ]],
            'bookings' => [
                ['id' => 1, 'resource_id' => 12, 'service_id' => 7, 'status' => 'bkx-ack', 'date' => '2030-01-08',
                 'time_option' => 'H', 'minutes' => 60, 'first_slot' => 41, 'slot_count' => 4, 'slots' => [41, 42, 43, 44]],
                ['id' => 2, 'resource_id' => 12, 'service_id' => 7, 'status' => 'bkx-cancelled', 'date' => '2030-01-08',
                 'time_option' => 'H', 'minutes' => 60, 'first_slot' => 45, 'slot_count' => 4, 'slots' => [45, 46, 47, 48]],
            ],
        ];
    }

    private static function query(array $more = []): array
    {
        return $more + ['service_id' => 7, 'resource_id' => 12, 'extras' => [], 'extension' => 0,
            'date_from' => '2030-01-08', 'date_to' => '2030-01-08', 'locale' => 'en_US'];
    }

    private function assistant(): BookingAssistant
    {
        return new BookingAssistant(TestDb::managerConfig(static::$prefix));
    }

    /** @return list<string> */
    private static function starts(array $availability): array
    {
        return array_map(static fn (array $s): string => $s['start'], $availability['slots']);
    }

    public function testAckBookingBlocksAndCancelledOneDoesNot(): void
    {
        $a = $this->assistant()->availability(self::catalog(), self::query());
        self::assertSame(['2030-01-08T09:00:00+00:00', '2030-01-08T11:00:00+00:00'], self::starts($a));
        self::assertSame('2030-01-08T10:00:00+00:00', $a['slots'][0]['end']);
        self::assertSame(12, $a['slots'][0]['resource_id']);
    }

    public function testExtraLengthensTheVisit(): void
    {
        // 60 + 15 minutes = 5 slots: 09:00 needs 37–41 (41 booked), 11:00 needs 45–49 (49 closed).
        $a = $this->assistant()->availability(self::catalog(), self::query(['extras' => [9]]));
        self::assertSame([], self::starts($a));
    }

    public function testQuoteIgnoresServiceSalePriceAppliesExtraSalePriceAndAddsTax(): void
    {
        // 40 (service; its sale price is not used by BookingX core) + 8 (extra's sale price) = 48;
        // 10 % tax added: 4.80; total 52.80.
        $q = $this->assistant()->quote(self::catalog(), self::query(['extras' => [9]]));
        self::assertEqualsWithDelta(48.0, $q['subtotal'], 0.001);
        self::assertEqualsWithDelta(4.8, $q['tax'], 0.001);
        self::assertEqualsWithDelta(52.8, $q['total'], 0.001);
        self::assertSame('EUR', $q['currency']);
        self::assertFalse($q['tax_inclusive']);
    }

    public function testAHoldHidesTheSlotFromOtherConversationsOnly(): void
    {
        $b = $this->assistant();
        $slot = ['start' => '2030-01-08T09:00:00+00:00', 'end' => '2030-01-08T10:00:00+00:00',
            'resource_id' => 12, 'service_id' => 7, 'extras' => [], 'extension' => 0];
        $hold = $b->hold($slot, 101, 120);
        self::assertNotSame('', $hold['hold_id']);

        $other = $b->availability(self::catalog(), self::query(['conversation_id' => 202]));
        self::assertSame(['2030-01-08T11:00:00+00:00'], self::starts($other));
        $mine = $b->availability(self::catalog(), self::query(['conversation_id' => 101]));
        self::assertCount(2, $mine['slots']);

        try {
            $b->hold($slot, 202, 120);
            self::fail('a second conversation could hold a held slot');
        } catch (BookingException $e) {
            self::assertSame('booking_unavailable', $e->getErrorCode());
        }

        $b->releaseHold($hold['hold_id']);
        $after = $b->availability(self::catalog(), self::query(['conversation_id' => 202]));
        self::assertCount(2, $after['slots']);
    }

    public function testSlotsCardIsAValidMessageMetadata(): void
    {
        $b = $this->assistant();
        $a = $b->availability(self::catalog(), self::query());
        $card = $b->slotsCard($a, self::query());
        self::assertSame('Massage', $card['service_name']);
        self::assertCount(2, $card['slots']);

        $conv = $this->chat()->createConversation(['visitor_id' => 'v-booking', 'message' => 'hi']);
        $msg = $this->chat()->sendMessage((int) $conv['id'], [
            'sender_type' => 'system', 'message_type' => 'booking_slots',
            'body' => 'Free times for Massage', 'metadata' => ['card' => $card],
        ]);
        self::assertSame('booking_slots', $msg['message_type']);
        self::assertSame('2030-01-08T09:00:00+00:00', $msg['metadata']['card']['slots'][0]['start']);
    }

    public function testAvailabilityAnswerHasTheDocumentedShape(): void
    {
        $a = $this->assistant()->availability(self::catalog(), self::query());
        self::assertSame(
            ['service_id', 'service_name', 'resource_id', 'resource_name', 'extras', 'extension',
                'date_from', 'date_to', 'timezone', 'slots'],
            array_keys($a)
        );
        self::assertSame([7, 'Massage', 12, 'Anna', [], 0, '2030-01-08', '2030-01-08', 'UTC'], array_values(array_slice($a, 0, 9)));
        self::assertSame([
            'date' => '2030-01-08', 'time' => '09:00', 'start' => '2030-01-08T09:00:00+00:00',
            'end' => '2030-01-08T10:00:00+00:00', 'resource_id' => 12, 'resource_name' => 'Anna',
            'all_day' => false, 'label' => 'Tue, Jan 8, 9:00 AM',
        ], $a['slots'][0]);

        $any = $this->assistant()->availability(self::catalog(), self::query(['resource_id' => 'any', 'extras' => ['9']]));
        self::assertNull($any['resource_id']);
        self::assertNull($any['resource_name']);
        self::assertSame([['id' => 9, 'name' => 'Aroma oil']], $any['extras']);
    }

    public function testACatalogPhpCannotEncodeIsRefusedNamingTheField(): void
    {
        $catalog = self::catalog();
        $catalog['resources'][0]['name'] = "Ann\xC3\x28a";
        try {
            $this->assistant()->availability($catalog, self::query());
            self::fail('a resource name that is not UTF-8 was accepted');
        } catch (BookingX\Addons\LiveChat\ChatException $e) {
            self::assertSame('invalid_argument', $e->getErrorCode());
            self::assertStringContainsString('name', $e->getMessage());
            self::assertStringContainsString('UTF-8', $e->getMessage());
        }
        $catalog = self::catalog();
        $catalog['services'][0]['price'] = NAN;
        try {
            $this->assistant()->quote($catalog, self::query());
            self::fail('a NaN price was accepted');
        } catch (BookingX\Addons\LiveChat\ChatException $e) {
            self::assertSame('invalid_argument', $e->getErrorCode());
            self::assertStringContainsString('price', $e->getMessage());
        }
        // Whole-number floats and integers read alike (the prices above are 40.0 and 10.0).
        $catalog = self::catalog();
        $catalog['services'][0]['price'] = 40;
        $catalog['services'][0]['sale_price'] = 35;
        self::assertEquals(
            $this->assistant()->quote(self::catalog(), self::query()),
            $this->assistant()->quote($catalog, self::query())
        );
    }

    public function testAMalformedCatalogIsATypedErrorForEveryCall(): void
    {
        $bad = ['services' => [['id' => 7, 'name' => new stdClass()]]] + self::catalog();
        $wrongType = ['services' => 'none'] + self::catalog();
        $calls = [
            'availability' => fn (array $c) => $this->assistant()->availability($c, self::query()),
            'quote' => fn (array $c) => $this->assistant()->quote($c, self::query()),
            'verifySlot' => fn (array $c) => $this->assistant()->verifySlot($c, self::query(['start' => '2030-01-08T09:00:00+00:00'])),
        ];
        foreach ($calls as $name => $call) {
            foreach (['object inside' => $bad, 'wrong type' => $wrongType, 'a list' => [1, 2]] as $label => $catalog) {
                try {
                    $call($catalog);
                    self::fail("$name accepted a catalog with $label");
                } catch (BookingX\Addons\LiveChat\ChatException $e) {
                    self::assertSame('invalid_argument', $e->getErrorCode(), "$name, $label: " . $e->getMessage());
                }
            }
        }
    }
}
