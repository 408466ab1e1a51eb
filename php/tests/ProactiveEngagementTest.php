<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\InvalidArgumentException;
use BookingX\Addons\LiveChat\NotFoundException;
use BookingX\Addons\LiveChat\ProactiveEngagement;

/**
 * `ProactiveEngagement` through the extension: the rules a manager saves, the decision a
 * visitor's page gets (trigger types, conditions, priority, caps, stable A/B variants, the
 * offline/booking fallback when nobody can answer), events and per-variant counts.
 */
final class ProactiveEngagementTest extends ChatTestCase
{
    /** Open with an agent online: the chat itself is offered. */
    private const OPEN = ['open' => true, 'agents_online' => 1];

    private function engine(): ProactiveEngagement
    {
        return new ProactiveEngagement(TestDb::managerConfig(static::$prefix));
    }

    private function rule(array $more = []): array
    {
        return $this->engine()->saveRule($more + [
            'name' => 'Pricing help',
            'trigger_type' => 'time_on_page',
            'message' => 'Questions about our prices?',
            'delay_seconds' => 20,
            'priority' => 10,
            'caps' => ['per_session' => 0, 'per_day' => 0, 'total' => 0],
        ]);
    }

    private static function key(string $s): string
    {
        return substr(hash('sha256', $s), 0, 32);
    }

    public function testSavedRulesReadBackAndChangeOnlyTheKeysGiven(): void
    {
        $r = $this->rule(['conditions' => ['match' => 'all', 'rules' => [
            ['attribute' => 'url', 'op' => 'contains', 'value' => '/pricing'],
        ]]]);
        self::assertGreaterThan(0, $r['id']);
        $got = $this->engine()->getRule($r['id']);
        self::assertSame('Pricing help', $got['name']);
        self::assertSame('time_on_page', $got['trigger_type']);
        self::assertSame(20, $got['delay_seconds']);

        $changed = $this->engine()->saveRule(['id' => $r['id'], 'priority' => 3]);
        self::assertSame(3, $changed['priority']);
        self::assertSame('Questions about our prices?', $changed['message'], 'untouched keys stay');

        $ids = array_column($this->engine()->listRules(), 'id');
        self::assertContains($r['id'], $ids);
        $compact = array_column($this->engine()->compactRules(), null, 'id');
        self::assertArrayHasKey($r['id'], $compact, 'an active rule reaches the loader');
        self::assertSame('time_on_page', $compact[$r['id']]['type']);

        self::assertTrue($this->engine()->deleteRule($r['id']));
        self::assertFalse($this->engine()->deleteRule($r['id']));
        $this->expectException(NotFoundException::class);
        $this->engine()->getRule($r['id']);
    }

    public function testBadRulesAreRefusedNamingTheField(): void
    {
        foreach ([
            ['trigger_type' => 'popup_now'],
            ['message' => ''],
            ['variants' => ['a', 'b', 'c', 'd', 'e']],
            ['conditions' => ['match' => 'all', 'rules' => [['attribute' => 'password', 'op' => 'equals', 'value' => 'x']]]],
            ['delay_seconds' => -5],
        ] as $bad) {
            try {
                $this->rule($bad);
                self::fail('accepted ' . json_encode($bad));
            } catch (InvalidArgumentException $e) {
                self::assertSame('invalid_argument', $e->getErrorCode());
                self::assertSame(array_key_first($bad), $e->getDetails()['field'] ?? null, json_encode($bad));
            }
        }
    }

    public function testTheVisitorSeesTheRuleWhoseTypeAndConditionsFit(): void
    {
        $r = $this->rule(['conditions' => ['match' => 'any', 'rules' => [
            ['attribute' => 'url', 'op' => 'contains', 'value' => '/pricing'],
            ['attribute' => 'utm_campaign', 'op' => 'equals', 'value' => 'spring'],
        ]]]);
        $e = $this->engine();
        $visitor = ['event' => 'time_on_page', 'url' => 'https://shop.test/pricing/', 'time_on_page' => 25];

        $d = $e->evaluate($visitor, [$r['id']], self::OPEN + ['dry_run' => true]);
        self::assertTrue($d['show']);
        self::assertSame($r['id'], $d['rule_id']);
        self::assertSame('chat', $d['action']);
        self::assertSame('Questions about our prices?', $d['message']);

        $early = $e->evaluate(['time_on_page' => 5] + $visitor, [$r['id']], self::OPEN + ['dry_run' => true]);
        self::assertFalse($early['show'], 'the delay has not passed');

        $other = $e->evaluate(['url' => 'https://shop.test/about/'] + $visitor, [$r['id']], self::OPEN + ['dry_run' => true]);
        self::assertFalse($other['show'], 'neither condition holds');
        $utm = $e->evaluate(['url' => 'https://shop.test/about/?utm_campaign=spring'] + $visitor, [$r['id']], self::OPEN + ['dry_run' => true]);
        self::assertTrue($utm['show'], 'any: the campaign alone is enough');

        $exit = $e->evaluate(['event' => 'exit_intent'] + $visitor, [$r['id']], self::OPEN + ['dry_run' => true]);
        self::assertFalse($exit['show'], 'a time-on-page rule does not answer exit intent');
    }

    public function testPageAbandonmentReturnAndCustomRulesFireOnTheirOwnSignal(): void
    {
        $page = $this->rule(['trigger_type' => 'page', 'delay_seconds' => 5, 'conditions' => ['match' => 'all', 'rules' => [
            ['attribute' => 'path', 'op' => 'matches', 'value' => '/spa/*'],
        ]]]);
        $aband = $this->rule(['trigger_type' => 'booking_abandonment', 'delay_seconds' => 0]);
        $back = $this->rule(['trigger_type' => 'return_visitor', 'delay_seconds' => 0]);
        $custom = $this->rule(['trigger_type' => 'custom', 'delay_seconds' => 0, 'conditions' => ['match' => 'all', 'rules' => [
            ['attribute' => 'language', 'op' => 'starts_with', 'value' => 'de'],
            ['attribute' => 'referrer', 'op' => 'contains', 'value' => 'google.'],
        ]]]);
        $ids = fn(array $r): array => [$r['id']];
        $show = fn(array $v, array $r): bool => $this->engine()->evaluate($v, $ids($r), self::OPEN + ['dry_run' => true])['show'];

        self::assertTrue($show(['event' => 'page', 'url' => 'https://x.test/spa/massage', 'time_on_page' => 6], $page));
        self::assertFalse($show(['event' => 'page', 'url' => 'https://x.test/about', 'time_on_page' => 6], $page));
        self::assertTrue($show(['event' => 'booking_abandonment', 'booking_step' => 3], $aband));
        self::assertFalse($show(['event' => 'booking_abandonment', 'booking_step' => 0], $aband), 'nothing started, nothing abandoned');
        self::assertTrue($show(['event' => 'return_visitor', 'visit_count' => 3], $back));
        self::assertFalse($show(['event' => 'return_visitor', 'visit_count' => 1], $back), 'a first visit is not a return');
        self::assertTrue($show(['event' => 'custom', 'language' => 'de-DE', 'referrer' => 'https://www.google.de/'], $custom));
        self::assertFalse($show(['event' => 'custom', 'language' => 'en-GB', 'referrer' => 'https://www.google.de/'], $custom));
    }

    public function testTheLowerPriorityNumberWinsAndInactiveRulesNeverShow(): void
    {
        $low = $this->rule(['trigger_type' => 'exit_intent', 'delay_seconds' => 0, 'priority' => 50, 'message' => 'Wait!']);
        $high = $this->rule(['trigger_type' => 'exit_intent', 'delay_seconds' => 0, 'priority' => 1, 'message' => 'Before you go…']);
        $off = $this->rule(['trigger_type' => 'exit_intent', 'delay_seconds' => 0, 'priority' => 0, 'message' => 'Off', 'is_active' => false]);
        $d = $this->engine()->evaluate(['event' => 'exit_intent'], [$low['id'], $high['id'], $off['id']], self::OPEN + ['dry_run' => true]);
        self::assertSame($high['id'], $d['rule_id']);
        self::assertSame('Before you go…', $d['message']);
    }

    public function testNobodyToAnswerOffersBookingOrAMessageNeverALiveChat(): void
    {
        $page = $this->rule(['trigger_type' => 'exit_intent', 'delay_seconds' => 0]);
        $hes = $this->rule(['trigger_type' => 'booking_hesitation', 'delay_seconds' => 0]);
        $e = $this->engine();

        $closed = $e->evaluate(['event' => 'exit_intent'], [$page['id']], ['open' => false, 'agents_online' => 1, 'dry_run' => true]);
        self::assertTrue($closed['show']);
        self::assertSame('offline', $closed['action']);
        self::assertNotSame('Questions about our prices?', $closed['message']);

        $noAgent = $e->evaluate(['event' => 'booking_hesitation', 'booking_step' => 2], [$hes['id']], ['open' => true, 'agents_online' => 0, 'dry_run' => true]);
        self::assertSame('booking', $noAgent['action'], 'a started booking is pointed to the booking form');

        $notBooking = $e->evaluate(['event' => 'booking_hesitation', 'booking_step' => 0], [$hes['id']], self::OPEN + ['dry_run' => true]);
        self::assertFalse($notBooking['show'], 'hesitation needs a booking under way');
    }

    public function testCapsCountShownPromptsPerVisitorAndDryRunsCountNothing(): void
    {
        $r = $this->rule(['trigger_type' => 'exit_intent', 'delay_seconds' => 0, 'caps' => ['per_session' => 1, 'per_day' => 0, 'total' => 0]]);
        $e = $this->engine();
        $v = ['event' => 'exit_intent', 'visitor_key' => self::key('capped-visitor')];

        self::assertTrue($e->evaluate($v, [$r['id']], self::OPEN + ['dry_run' => true])['show']);
        self::assertTrue($e->evaluate($v, [$r['id']], self::OPEN + ['dry_run' => true])['show'], 'a dry run is not counted');

        self::assertTrue($e->evaluate($v, [$r['id']], self::OPEN)['show']);
        $again = $e->evaluate($v, [$r['id']], self::OPEN);
        self::assertFalse($again['show']);
        self::assertSame('capped', $again['reason']);

        $other = $e->evaluate(['visitor_key' => self::key('someone-else')] + $v, [$r['id']], self::OPEN);
        self::assertTrue($other['show'], 'caps are per visitor');
    }

    public function testVariantsAreStablePerVisitorAndRoughlyBalanced(): void
    {
        $r = $this->rule(['trigger_type' => 'exit_intent', 'delay_seconds' => 0, 'message' => 'M-A', 'variants' => ['M-B']]);
        $e = $this->engine();
        $seen = ['A' => 0, 'B' => 0];
        for ($i = 0; $i < 200; $i++) {
            $v = ['event' => 'exit_intent', 'visitor_key' => self::key("visitor-$i")];
            $d = $e->evaluate($v, [$r['id']], self::OPEN + ['dry_run' => true]);
            $seen[$d['variant']]++;
            self::assertSame('M-' . $d['variant'], $d['message']);
            if ($i < 20) {
                self::assertSame($d['variant'], $e->evaluate($v, [$r['id']], self::OPEN + ['dry_run' => true])['variant'], 'same visitor, same variant');
            }
        }
        self::assertGreaterThan(60, $seen['A'], json_encode($seen));
        self::assertGreaterThan(60, $seen['B'], json_encode($seen));
    }

    public function testEventsAreCountedPerVariant(): void
    {
        $r = $this->rule(['trigger_type' => 'exit_intent', 'delay_seconds' => 0, 'message' => 'M-A', 'variants' => ['M-B']]);
        $e = $this->engine();
        $key = self::key('events-visitor');
        $d = $e->evaluate(['event' => 'exit_intent', 'visitor_key' => $key], [$r['id']], self::OPEN);
        foreach (['impression', 'accept', 'chat_started', 'booking_created'] as $ev) {
            $e->recordEvent(['rule_id' => $r['id'], 'variant' => $d['variant'], 'event' => $ev, 'visitor_key' => $key]);
        }
        $stats = $e->stats($r['id']);
        $byVariant = array_column($stats['variants'], null, 'variant');
        self::assertSame(['A', 'B'], array_keys($byVariant));
        $mine = $byVariant[$d['variant']];
        self::assertSame(1, $mine['offered']);
        self::assertSame(1, $mine['impression']);
        self::assertSame(1, $mine['accept']);
        self::assertSame(1, $mine['chat_started']);
        self::assertSame(1, $mine['booking_created']);
        $otherName = 'A' === $d['variant'] ? 'B' : 'A';
        self::assertSame(0, $byVariant[$otherName]['impression']);
        self::assertGreaterThanOrEqual(1, $stats['trigger_count']);
        self::assertGreaterThanOrEqual(1, $stats['conversion_count']);

        $this->expectException(InvalidArgumentException::class);
        $e->recordEvent(['rule_id' => $r['id'], 'variant' => 'A', 'event' => 'clicked_everything', 'visitor_key' => $key]);
    }
}
