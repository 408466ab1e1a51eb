<?php

declare(strict_types=1);

namespace BkxE2E;

/**
 * Proactive engagement over real HTTP: managers build rules, visitors' loaders get the compact
 * set in the widget config, ask for one decision, report what they did; caps, variants, the
 * admin's dry-run preview, permissions and bad input.
 */
final class TriggersTest extends E2ETestCase
{
    /** @var list<int> */
    private array $created = [];

    protected function tearDown(): void
    {
        foreach ($this->created as $id) {
            $this->admin()->rest('DELETE', self::NS . "/chat/triggers/{$id}");
        }
        parent::tearDown();
    }

    /** @param array<string, mixed> $fields */
    private function rule(array $fields): array
    {
        $r = $this->admin()->rest('POST', self::NS . '/chat/triggers', [], $fields + [
            'name' => 'e2e rule', 'trigger_type' => 'exit_intent', 'message' => 'Need a hand?',
            'conditions' => new \stdClass(), 'is_active' => true,
        ]);
        $this->assertStatus(201, $r, 'create rule');
        $rule = $r->json();
        $this->created[] = (int) $rule['id'];
        return $rule;
    }

    /** @param array<string, mixed> $visitor */
    private function evaluate(array $ruleIds, array $visitor): array
    {
        $r = $this->guest('visitor')->rest('POST', self::NS . '/chat/triggers/evaluate', [], ['rule_ids' => $ruleIds, 'visitor' => $visitor]);
        $this->assertStatus(200, $r, 'evaluate');
        return $r->json();
    }

    private static function key(): string
    {
        return 'e2e-' . bin2hex(random_bytes(8));
    }

    public function testOnlyManagersChangeRules(): void
    {
        $body = ['name' => 'x', 'trigger_type' => 'exit_intent', 'message' => 'x'];
        $this->assertError(401, 'unauthenticated', $this->guest()->rest('POST', self::NS . '/chat/triggers', [], $body));
        $this->assertError(401, 'unauthenticated', $this->guest()->rest('GET', self::NS . '/chat/triggers'));
        $this->assertError(403, 'forbidden', $this->customer()->rest('POST', self::NS . '/chat/triggers', [], $body));
        $rule = $this->rule(['name' => 'owned']);
        $this->assertError(403, 'forbidden', $this->customer()->rest('DELETE', self::NS . "/chat/triggers/{$rule['id']}"));
        $this->assertStatus(200, $this->admin()->rest('GET', self::NS . "/chat/triggers/{$rule['id']}"));
    }

    public function testRulesAreValidatedAndPatched(): void
    {
        foreach ([
            ['name' => 'x', 'trigger_type' => 'mind_reading', 'message' => 'x'],
            ['name' => 'x', 'trigger_type' => 'page'],
            ['name' => 'x', 'trigger_type' => 'page', 'message' => 'x', 'delay_seconds' => -5],
            ['name' => 'x', 'trigger_type' => 'custom', 'message' => 'x', 'conditions' => ['match' => 'all', 'rules' => [['attribute' => 'password', 'op' => 'equals', 'value' => 1]]]],
        ] as $bad) {
            $this->assertError(400, 'invalid_argument', $this->admin()->rest('POST', self::NS . '/chat/triggers', [], $bad), json_encode($bad));
        }
        $rule = $this->rule(['name' => '<b>Exit</b> rule', 'message' => '<script>alert(1)</script>Wait!', 'priority' => 3]);
        $this->assertSame('Exit rule', $rule['name']);
        $this->assertSame('Wait!', $rule['message']);
        $patched = $this->admin()->rest('PUT', self::NS . "/chat/triggers/{$rule['id']}", [], ['is_active' => false])->json();
        $this->assertFalse($patched['is_active']);
        $this->assertSame(3, $patched['priority'], 'a patch changes only what it names');
        $this->assertError(404, 'not_found', $this->admin()->rest('PUT', self::NS . '/chat/triggers/99999999', [], ['is_active' => false]));
    }

    public function testTheWidgetConfigShipsCompactRulesWithoutMessages(): void
    {
        $rule = $this->rule(['trigger_type' => 'time_on_page', 'delay_seconds' => 20, 'message' => 'Secret discount code XYZ', 'pre' => ['path' => '/book']]);
        $config = $this->guest()->rest('GET', self::NS . '/chat/widget-config')->json();
        $mine = array_values(array_filter($config['triggers'], static fn ($t) => $t['id'] === $rule['id']));
        $this->assertSame([['id' => $rule['id'], 'type' => 'time_on_page', 'delay' => 20, 'priority' => 10, 'pre' => ['path' => '/book']]], $mine);
        $this->assertStringNotContainsString('XYZ', json_encode($config), 'messages come with the decision only');
        $this->admin()->rest('PUT', self::NS . "/chat/triggers/{$rule['id']}", [], ['is_active' => false]);
        $config = $this->guest()->rest('GET', self::NS . '/chat/widget-config')->json();
        $this->assertSame([], array_values(array_filter($config['triggers'], static fn ($t) => $t['id'] === $rule['id'])), 'inactive rules are not shipped');
    }

    public function testDecisionsAreCappedPerVisitorAndVariantsAreStable(): void
    {
        $rule = $this->rule(['message' => 'Variant A', 'variants' => ['Variant B'], 'caps' => ['per_session' => 1, 'per_day' => 3]]);
        $key = self::key();
        $visitor = ['event' => 'exit_intent', 'visitor_key' => $key, 'url' => $this->baseUrl() . '/book/'];
        $first = $this->evaluate([$rule['id']], $visitor);
        $this->assertTrue($first['show']);
        $this->assertSame($rule['id'], $first['rule_id']);
        $this->assertContains($first['variant'], ['A', 'B']);
        $again = $this->evaluate([$rule['id']], $visitor);
        $this->assertFalse($again['show'], 'once per visit');
        $this->assertSame('capped', $again['reason']);
        // Another visitor is not capped by the first one; variants spread and stay put.
        $seen = [];
        for ($i = 0; $i < 12; $i++) {
            $d = $this->evaluate([$rule['id']], ['event' => 'exit_intent', 'visitor_key' => self::key()]);
            $this->assertTrue($d['show']);
            $seen[$d['variant']] = true;
        }
        $this->assertCount(2, $seen, 'both variants are served');
        // Wrong signal: an exit rule does not answer a time-on-page event.
        $this->assertFalse($this->evaluate([$rule['id']], ['event' => 'time_on_page', 'time_on_page' => 99, 'visitor_key' => self::key()])['show']);
    }

    public function testEventsAreCountedPerVariantAndDryRunsCountNothing(): void
    {
        $rule = $this->rule(['message' => 'Counted']);
        $key = self::key();
        $preview = $this->admin()->rest('POST', self::NS . '/chat/triggers/preview', [], ['rule_ids' => [$rule['id']], 'visitor' => ['event' => 'exit_intent', 'visitor_key' => $key], 'agents_online' => true]);
        $this->assertStatus(200, $preview);
        $this->assertTrue($preview->json()['show']);
        $stats = $this->admin()->rest('GET', self::NS . "/chat/triggers/{$rule['id']}/stats")->json();
        $this->assertSame(0, $stats['variants'][0]['offered'], 'the preview counted nothing');

        $d = $this->evaluate([$rule['id']], ['event' => 'exit_intent', 'visitor_key' => $key]);
        $this->assertTrue($d['show'], 'the preview did not use up the visitor\'s cap');
        foreach (['impression', 'accept', 'chat_started'] as $event) {
            $r = $this->guest('visitor')->rest('POST', self::NS . '/chat/triggers/events', [], ['rule_id' => $rule['id'], 'variant' => $d['variant'], 'event' => $event, 'visitor_key' => $key]);
            $this->assertStatus(202, $r, $event);
        }
        $stats = $this->admin()->rest('GET', self::NS . "/chat/triggers/{$rule['id']}/stats")->json();
        $this->assertSame(1, $stats['trigger_count']);
        $this->assertSame(1, $stats['conversion_count']);
        $row = $stats['variants'][0];
        $this->assertSame([1, 1, 1, 1], [$row['offered'], $row['impression'], $row['accept'], $row['chat_started']]);

        $this->assertError(400, 'invalid_argument', $this->guest()->rest('POST', self::NS . '/chat/triggers/events', [], ['rule_id' => $rule['id'], 'event' => 'purchase']));
        $this->assertError(404, 'not_found', $this->guest()->rest('POST', self::NS . '/chat/triggers/events', [], ['rule_id' => 99999999, 'event' => 'accept']));
        $this->assertError(400, 'invalid_argument', $this->guest()->rest('POST', self::NS . '/chat/triggers/evaluate', [], ['visitor' => ['event' => 'telepathy']]));
        $this->assertSame(1, $this->admin()->rest('GET', self::NS . "/chat/triggers/{$rule['id']}/stats")->json()['trigger_count'], 'refused events store nothing');
    }

    public function testTheRuleBuilderScreenCreatesAndPreviews(): void
    {
        $admin = $this->admin();
        $page = $admin->get('/wp-admin/admin.php?page=bkx-livechat-triggers');
        $this->assertSame(200, $page->status, $page->describe());
        $this->assertMatchesRegularExpression('/name="_wpnonce" value="([0-9a-f]+)"/', $page->body);
        preg_match('/name="_wpnonce" value="([0-9a-f]+)"/', $page->body, $m);
        $name = 'Screen rule ' . bin2hex(random_bytes(3));
        $r = $admin->postForm('/wp-admin/admin-post.php', [
            '_wpnonce' => $m[1], 'action' => 'bkx_livechat_trigger_save', 'id' => '0', 'name' => $name,
            'trigger_type' => 'page', 'message' => 'Questions about prices?', 'variants' => "Prices unclear?\n",
            'delay_seconds' => '5', 'priority' => '4', 'is_active' => '1', 'cap_session' => '1', 'cap_day' => '2', 'cap_total' => '0',
            'pre_path' => '/pricing', 'pre_device' => '',
            'conditions' => '{"match": "all", "rules": [{"attribute": "path", "op": "starts_with", "value": "/pricing"}]}',
        ]);
        $this->assertSame(302, $r->status, $r->describe());
        $this->assertStringContainsString('bkx_saved=1', (string) $r->header('location'));
        $rules = array_values(array_filter($admin->rest('GET', self::NS . '/chat/triggers')->json(), static fn ($x) => $x['name'] === $name));
        $this->assertCount(1, $rules);
        $rule = $rules[0];
        $this->created[] = (int) $rule['id'];
        $this->assertSame(['Prices unclear?'], $rule['variants']);
        $this->assertSame('starts_with', $rule['conditions']['rules'][0]['op']);

        // The preview: a sample visitor on /pricing is shown the rule, one elsewhere is not.
        $preview = static fn (string $path) => [
            '_wpnonce' => $m[1], 'action' => 'bkx_livechat_trigger_save', 'preview' => '1', 'id' => (string) $rule['id'], 'agents_online' => '1', 'open' => '1',
            'sample' => json_encode(['event' => 'page', 'path' => $path, 'time_on_page' => 10, 'visitor_key' => 'sample-visitor-1']),
        ];
        $admin->postForm('/wp-admin/admin-post.php', $preview('/pricing/spa'));
        $screen = $admin->get('/wp-admin/admin.php?page=bkx-livechat-triggers&bkx_preview=1&edit=' . $rule['id'])->body;
        $this->assertMatchesRegularExpression('/Shown: rule ' . $rule['id'] . ', variant [AB], action chat/', $screen);
        $admin->postForm('/wp-admin/admin-post.php', $preview('/about'));
        $screen = $admin->get('/wp-admin/admin.php?page=bkx-livechat-triggers&bkx_preview=1&edit=' . $rule['id'])->body;
        $this->assertStringContainsString('Not shown (no_rule)', $screen);
        // Nobody to answer: the preview shows the offline offer, not a chat promise.
        $closed = $preview('/pricing/spa');
        unset($closed['open']);
        $admin->postForm('/wp-admin/admin-post.php', $closed);
        $screen = $admin->get('/wp-admin/admin.php?page=bkx-livechat-triggers&bkx_preview=1&edit=' . $rule['id'])->body;
        $this->assertMatchesRegularExpression('/action offline/', $screen);
        $this->assertSame(0, $admin->rest('GET', self::NS . "/chat/triggers/{$rule['id']}/stats")->json()['variants'][0]['offered']);

        // Without the nonce nothing is saved.
        $r = $admin->postForm('/wp-admin/admin-post.php', ['action' => 'bkx_livechat_trigger_save', 'name' => 'forged', 'trigger_type' => 'page', 'message' => 'x']);
        $this->assertNotSame(302, $r->status);
        $this->assertSame([], array_values(array_filter($admin->rest('GET', self::NS . '/chat/triggers')->json(), static fn ($x) => $x['name'] === 'forged')));
    }

    private function baseUrl(): string
    {
        return rtrim((string) getenv('BKX_TEST_URL'), '/');
    }
}
