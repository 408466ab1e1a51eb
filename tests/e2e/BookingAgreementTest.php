<?php
/**
 * Availability and quotes of the chat (REST -> BookingAssistant on the adapter's catalog)
 * agree with BookingX's own computation on the same data (the fixture's
 * get_display_availability_slots + get_verify_slot per open slot, booking_form_generate_total
 * + bkx_cal_total_tax), over: business vs resource hours, a public holiday, a vacation,
 * bookings of every status, multi-slot services with extras, extensions, a day service, tax
 * exclusive and inclusive, percentage / fixed / full deposits and the week of a DST change.
 */

declare(strict_types=1);

namespace BkxE2E;

require_once dirname(__DIR__) . '/fixtures/bookingx/tests/BookingE2E.php';

final class BookingAgreementTest extends E2ETestCase
{
    use BookingE2E;

    private const FROM = '2027-03-21';
    private const TO = '2027-03-31';

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

    /** @return array<string, array{0: string, 1: string, 2: list<string>, 3: int}> */
    public static function combinations(): array
    {
        return [
            'massage, Anna (business hours; bookings of every status)' => ['massage', 'anna', [], 0],
            'massage + oil + stones, Anna (105 minutes)' => ['massage', 'anna', ['oil', 'stones'], 0],
            'massage + oil, Ben (own hours, Sunday night on the DST change)' => ['massage', 'ben', ['oil'], 0],
            'massage extended twice, Cleo' => ['massage', 'cleo', [], 2],
            'facial + stones, Anna (service unavailable period)' => ['facial', 'anna', ['stones'], 0],
            'facial, Ben' => ['facial', 'ben', [], 0],
        ];
    }

    /**
     * @dataProvider combinations
     * @param list<string> $extras
     */
    public function testTimedAvailabilityAgreesWithBookingX(string $service, string $seat, array $extras, int $extension): void
    {
        $ids = static::$ids;
        $extraIds = array_map(static fn(string $k): int => $ids['extras'][$k], $extras);
        $ours = $this->availability($ids['bases'][$service], $ids['seats'][$seat], $extraIds, $extension, self::FROM, self::TO);
        foreach ($ours['slots'] as $slot) {
            $this->assertSame($ids['seats'][$seat], (int) $slot['resource_id'], 'a slot of another resource');
        }
        $byDate = self::timesByDate($ours['slots']);
        $questions = [];
        foreach (self::days(self::FROM, self::TO) as $date) {
            $questions[] = ['op' => 'day', 'seat_id' => $ids['seats'][$seat], 'base_id' => $ids['bases'][$service],
                'extra_ids' => $extraIds, 'service_extend' => $extension, 'date' => $date];
        }
        $offered = 0;
        foreach ($this->oracle($questions) as $answer) {
            $date = $answer['date'];
            $expected = $answer['accepted'];
            if ('2027-03-28' === $date) {
                // 02:00-02:59 does not exist that night in Europe/Berlin; BookingX counts wall-clock slots.
                $expected = array_values(array_filter($expected, static fn(string $t): bool => !str_starts_with($t, '02:')));
            }
            sort($expected);
            $this->assertSame($expected, $byDate[$date] ?? [], "start times on {$date} ({$service}, {$seat})");
            $offered += count($expected);
        }
        $this->assertGreaterThan(0, $offered, 'the combination offers something in the window');
    }

    public function testBookingsHoldSlotsOnlyInHoldingStatuses(): void
    {
        $ids = static::$ids;
        $times = self::timesByDate($this->availability($ids['bases']['massage'], $ids['seats']['anna'], [], 0, '2027-03-22', '2027-03-22')['slots'])['2027-03-22'] ?? [];
        // pending 10:00-11:00 and acknowledged 13:00-14:00 (facial 45 + stones 15) hold their slots...
        foreach (['09:15', '09:30', '09:45', '10:00', '10:45', '12:15', '12:45', '13:00', '13:45'] as $taken) {
            $this->assertNotContains($taken, $times, "{$taken} overlaps a pending or acknowledged booking");
        }
        // ...cancelled (11:15) and failed (15:30) do not.
        foreach (['11:00', '11:15', '15:30', '16:00'] as $free) {
            $this->assertContains($free, $times, "{$free} is only under a cancelled or failed booking");
        }
        // completed (Wed 15:00) and missed (Ben Mon 12:30-14:00) hold theirs too.
        $wed = self::timesByDate($this->availability($ids['bases']['massage'], $ids['seats']['anna'], [], 0, '2027-03-24', '2027-03-24')['slots'])['2027-03-24'] ?? [];
        $this->assertNotContains('15:00', $wed);
        $ben = self::timesByDate($this->availability($ids['bases']['massage'], $ids['seats']['ben'], [], 0, '2027-03-22', '2027-03-22')['slots'])['2027-03-22'] ?? [];
        $this->assertNotContains('13:00', $ben);
        $this->assertContains('14:00', $ben);
    }

    public function testClosedDaysOfferNothing(): void
    {
        $ids = static::$ids;
        $dates = array_keys(self::timesByDate($this->availability($ids['bases']['massage'], $ids['seats']['anna'], [], 0, self::FROM, self::TO)['slots']));
        foreach (['2027-03-21' => 'Sunday', '2027-03-23' => 'public holiday', '2027-03-25' => 'vacation', '2027-03-26' => 'vacation', '2027-03-27' => 'Saturday'] as $date => $why) {
            $this->assertNotContains($date, $dates, "{$date} ({$why})");
        }
        $this->assertContains('2027-03-22', $dates);
        // Ben's own hours open Sundays the business does not.
        $ben = self::timesByDate($this->availability($ids['bases']['massage'], $ids['seats']['ben'], [], 0, '2027-03-21', '2027-03-21')['slots']);
        $this->assertNotEmpty($ben['2027-03-21'] ?? [], 'Ben works on Sunday');
    }

    public function testAnyResourceIsTheUnionOfTheResources(): void
    {
        $ids = static::$ids;
        $date = '2027-03-22';
        $ours = $this->availability($ids['bases']['massage'], 'any', [], 0, $date, $date);
        $union = [];
        $bySeat = [];
        foreach ($this->oracle(array_map(static fn(string $seat): array => ['op' => 'day', 'seat_id' => $ids['seats'][$seat],
            'base_id' => $ids['bases']['massage'], 'extra_ids' => [], 'service_extend' => 0, 'date' => $date], ['anna', 'ben', 'cleo'])) as $i => $answer) {
            $union = array_merge($union, $answer['accepted']);
            $bySeat[[$ids['seats']['anna'], $ids['seats']['ben'], $ids['seats']['cleo']][$i]] = $answer['accepted'];
        }
        $union = array_values(array_unique($union));
        sort($union);
        $times = array_values(array_unique(self::timesByDate($ours['slots'])[$date] ?? []));
        $this->assertSame($union, $times);
        $tz = new \DateTimeZone(self::TZ);
        foreach ($ours['slots'] as $slot) {
            $time = (new \DateTimeImmutable($slot['start']))->setTimezone($tz)->format('H:i');
            $this->assertContains($time, $bySeat[(int) $slot['resource_id']] ?? [], "slot {$time} names a resource that is free then");
        }
    }

    public function testSlotsCarryTheSiteOffsetAcrossTheDstChange(): void
    {
        $ids = static::$ids;
        $slots = $this->availability($ids['bases']['massage'], $ids['seats']['ben'], [], 0, '2027-03-21', '2027-03-28')['slots'];
        $this->assertSame(self::TZ, $this->lastTimezone);
        $starts = array_column($slots, 'start');
        $this->assertContains('2027-03-21T01:00:00+01:00', $starts, 'winter time the Sunday before');
        $this->assertContains('2027-03-28T01:00:00+01:00', $starts, 'winter time before 02:00 on the change');
        $this->assertContains('2027-03-28T03:00:00+02:00', $starts, 'summer time after the change');
        foreach ($starts as $start) {
            $this->assertStringNotContainsString('2027-03-28T02:', $start, 'no start in the skipped hour');
        }
    }

    public function testDayServiceAgreesWithBookingXDays(): void
    {
        $ids = static::$ids;
        $from = '2027-03-22';
        $to = '2027-04-02';
        $ours = self::timesByDate($this->availability($ids['bases']['retreat'], $ids['seats']['cleo'], [], 0, $from, $to)['slots']);
        $expected = [];
        foreach ($this->oracle(array_map(static fn(string $d): array => ['op' => 'day', 'seat_id' => $ids['seats']['cleo'],
            'base_id' => $ids['bases']['retreat'], 'extra_ids' => [], 'service_extend' => 0, 'date' => $d], self::days($from, $to))) as $answer) {
            if (is_array($answer['display']) && [] !== $answer['display']['range']) {
                $expected[] = $answer['date'];
            }
        }
        $this->assertSame($expected, array_keys($ours), 'bookable days of the day service');
        $this->assertNotContains('2027-03-29', array_keys($ours), 'a day booking takes the day');
        $this->assertNotContains('2027-03-30', array_keys($ours), 'an hourly booking takes the day for day services');
    }

    /** @return array<string, array{0: string, 1: string, 2: list<string>, 3: int, 4: string}> */
    public static function quoteCombinations(): array
    {
        return [
            'massage, Anna, tax exclusive, 20 % deposit' => ['massage', 'anna', [], 0, '0'],
            'massage + oil (sale) + stones, Anna, tax inclusive' => ['massage', 'anna', ['oil', 'stones'], 0, '1'],
            'massage extended 3 times, Ben, full prepayment' => ['massage', 'ben', [], 3, '0'],
            'massage + stones extended once, Cleo, fixed deposit, inclusive' => ['massage', 'cleo', ['stones'], 1, '1'],
            'facial + stones, Ben, exclusive' => ['facial', 'ben', ['stones'], 0, '0'],
        ];
    }

    /**
     * @dataProvider quoteCombinations
     * @param list<string> $extras
     */
    public function testQuotesAgreeWithBookingX(string $service, string $seat, array $extras, int $extension, string $inclusive): void
    {
        $ids = static::$ids;
        $this->setBookingOptions(['bkx_prices_include_tax' => $inclusive]);
        try {
            $extraIds = array_map(static fn(string $k): int => $ids['extras'][$k], $extras);
            $response = $this->admin()->rest('POST', self::NS . '/chat/quote', [], [
                'service_id' => $ids['bases'][$service], 'resource_id' => $ids['seats'][$seat],
                'extras' => $extraIds, 'extension' => $extension, 'locale' => 'de_DE',
            ]);
            $this->assertStatus(200, $response);
            $quote = $response->json();
            [$answer] = $this->oracle([['op' => 'total', 'seat_id' => $ids['seats'][$seat], 'base_id' => $ids['bases'][$service],
                'extra_ids' => $extraIds, 'service_extend' => $extension]]);
            $tax = $answer['tax'];
            $this->assertEqualsWithDelta((float) $tax['total_price'], (float) $quote['subtotal'], 0.005, 'subtotal');
            $this->assertEqualsWithDelta((float) $tax['total_tax'], (float) $quote['tax'], 0.005, 'tax');
            $this->assertEqualsWithDelta((float) $tax['grand_total'], (float) $quote['total'], 0.005, 'total');
            $this->assertSame('1' === $inclusive, (bool) $quote['tax_inclusive']);
            $this->assertSame('EUR', $quote['currency']);
            $this->assertSame('VAT', $quote['tax_name']);
            // BookingX's deposit: the full total, or the amount in its note (its deposit_price
            // field is "0.00" for deposits because it formats them as HTML first).
            $total = $answer['total'];
            if ('FP' === (['anna' => 'D', 'ben' => 'FP', 'cleo' => 'D'][$seat])) {
                $expectedDeposit = (float) $total['deposit_price'];
            } else {
                $this->assertSame(1, preg_match('/content="([0-9.]+)"/', (string) $total['note'], $m), 'deposit in the note');
                $expectedDeposit = (float) $m[1];
            }
            $this->assertEqualsWithDelta($expectedDeposit, (float) $quote['deposit'], 0.005, 'deposit');
            $this->assertStringContainsString('€', (string) $quote['formatted']['total'], 'formatted in the site currency');
        } finally {
            $this->setBookingOptions(['bkx_prices_include_tax' => '0']);
        }
    }

    private ?string $lastTimezone = null;

    /**
     * GET /chat/availability as the administrator.
     *
     * @param int|string $resource
     * @param list<int> $extras
     * @return array<string, mixed>
     */
    private function availability(int $service, $resource, array $extras, int $extension, string $from, string $to): array
    {
        $query = ['service_id' => $service, 'resource_id' => (string) $resource, 'extension' => $extension, 'date_from' => $from, 'date_to' => $to];
        foreach ($extras as $i => $extra) {
            $query["extras[{$i}]"] = $extra;
        }
        $response = $this->admin()->rest('GET', self::NS . '/chat/availability', $query);
        $this->assertStatus(200, $response, 'availability');
        $body = $response->json();
        $this->assertIsArray($body['slots'] ?? null, $response->describe());
        $this->lastTimezone = $body['timezone'] ?? null;
        return $body;
    }
}
