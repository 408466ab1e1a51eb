<?php
/**
 * Live Chat → Settings in wp-admin: who may open it, the status box, and a save round trip
 * through options.php (including "chat disabled" as seen by the REST API).
 */

declare(strict_types=1);

namespace BkxE2E;

final class AdminSettingsTest extends E2ETestCase
{
    private const PAGE = '/wp-admin/admin.php?page=bkx-livechat';

    public function testOnlySettingsManagersMayOpenTheScreen(): void
    {
        $this->assertSame(403, $this->agent()->get(self::PAGE)->status, 'agents have no bkx_chat_manage_settings');
        $this->assertSame(403, $this->customer()->get(self::PAGE)->status);
        $this->assertSame(302, $this->guest()->get(self::PAGE)->status, 'guests are sent to the login');
    }

    public function testStatusBoxAndSections(): void
    {
        $page = $this->admin()->get(self::PAGE);
        $this->assertSame(200, $page->status);
        $text = html_entity_decode(strip_tags($page->body));
        $this->assertMatchesRegularExpression('/Extension bkx_livechat\s*loaded, version \S+/', $text);
        $this->assertMatchesRegularExpression('/Database schema\s*version \d+ in the database/', $text);
        $this->assertMatchesRegularExpression('/BookingX\s*(detected|not detected)/', $text);
        foreach (['General', 'Widget appearance', 'Agent settings', 'Privacy'] as $section) {
            $this->assertStringContainsString('<h2>' . $section . '</h2>', $page->body);
        }
        $this->assertStringContainsString('name="bkx_livechat_settings[delete_data_on_uninstall]"', $page->body);
    }

    public function testFirstActivationPutsBusinessHoursOnTheSiteClock(): void
    {
        $db = self::siteDb();
        $options = self::siteTable('options');
        $names = ['bkx_livechat_settings', 'bkx_livechat_version', 'timezone_string'];
        $read = $db->prepare("SELECT option_name, option_value, autoload FROM $options WHERE option_name = ?");
        $saved = [];
        foreach ($names as $name) {
            $read->execute([$name]);
            $saved[$name] = $read->fetch(\PDO::FETCH_ASSOC) ?: null;
        }
        $this->assertNotNull($saved['bkx_livechat_settings'], 'the site has settings to restore');
        $set = $db->prepare("INSERT INTO $options (option_name, option_value, autoload) VALUES (?, ?, 'yes') "
            . 'ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)');
        try {
            // A site in Berlin activating the plugin for the first time (the next request
            // sees an unknown plugin version and installs).
            $db->prepare("DELETE FROM $options WHERE option_name = ?")->execute(['bkx_livechat_settings']);
            $set->execute(['bkx_livechat_version', '0.0.0']);
            $set->execute(['timezone_string', 'Europe/Berlin']);
            $this->assertSame(200, $this->guest()->get('/')->status);
            $read->execute(['bkx_livechat_settings']);
            $row = $read->fetch(\PDO::FETCH_ASSOC);
            $this->assertIsArray($row, 'the first request after activation stored the settings');
            $settings = unserialize($row['option_value'], ['allowed_classes' => false]);
            $this->assertSame('Europe/Berlin', $settings['timezone'], "business hours follow the site's time zone");
            $this->assertSame(['09:00', '17:00'], $settings['working_hours']['monday'], 'the rest are the defaults');
            $this->assertMatchesRegularExpression(
                '/<option value="Europe\/Berlin"[^>]*selected/',
                $this->admin()->get(self::PAGE)->body,
                'the settings screen shows it'
            );
        } finally {
            foreach ($saved as $name => $row) {
                if (null === $row) {
                    $db->prepare("DELETE FROM $options WHERE option_name = ?")->execute([$name]);
                    continue;
                }
                $db->prepare("INSERT INTO $options (option_name, option_value, autoload) VALUES (?, ?, ?) "
                    . 'ON DUPLICATE KEY UPDATE option_value = VALUES(option_value), autoload = VALUES(autoload)')
                    ->execute([$row['option_name'], $row['option_value'], $row['autoload']]);
            }
        }
    }

    public function testSavingSettingsRoundTrip(): void
    {
        $admin = $this->admin();
        $original = $this->form($admin);
        try {
            $fields = $original;
            $fields = $this->set($fields, 'bkx_livechat_settings[widget_color]', '#123456');
            $fields = $this->set($fields, 'bkx_livechat_settings[intercom_api_key]', 'secret-intercom-token-42');
            $fields = $this->set($fields, 'bkx_livechat_settings[time_on_page_trigger]', '999999');
            $fields = $this->set($fields, 'bkx_livechat_settings[enabled]', null); // Untick.
            $this->submit($admin, $fields);

            $page = $admin->get(self::PAGE)->body;
            $this->assertStringContainsString('value="#123456"', $page);
            $this->assertStringNotContainsString('secret-intercom-token-42', $page, 'credentials are never echoed back');
            $this->assertMatchesRegularExpression('/id="bkx_livechat_intercom_api_key"[^>]*placeholder="Saved/', $page);
            $this->assertMatchesRegularExpression('/id="bkx_livechat_time_on_page_trigger"[^>]*value="3600"/', $page, 'clamped to its range');
            $this->assertDoesNotMatchRegularExpression('/id="bkx_livechat_enabled"[^>]*checked/', $page);

            // With the chat off, visitors get 503; staff keep working.
            $this->assertError(503, 'platform_unavailable', $this->guest()->rest('POST', self::NS . '/chat/token'));
            $this->assertError(503, 'platform_unavailable', $this->guest()->rest('POST', self::NS . '/chat/conversations', [], ['message' => 'hi']));
            $this->assertStatus(200, $this->agent()->rest('POST', self::NS . '/chat/token'));

            // Saving again with the password field empty keeps the stored credential.
            $this->submit($admin, $this->form($admin));
            $this->assertMatchesRegularExpression('/id="bkx_livechat_intercom_api_key"[^>]*placeholder="Saved/', $admin->get(self::PAGE)->body);
        } finally {
            $restore = $this->set($original, 'bkx_livechat_settings[intercom_api_key]', ' '); // A space clears it.
            $this->submit($admin, $restore);
        }
        $this->assertStatus(200, $this->guest()->rest('POST', self::NS . '/chat/token'), 'the chat is enabled again');
        $this->assertDoesNotMatchRegularExpression('/id="bkx_livechat_intercom_api_key"[^>]*placeholder="Saved/', $admin->get(self::PAGE)->body);
    }

    /**
     * The settings form as name/value pairs, the way a browser would submit it unchanged.
     *
     * @return list<array{0: string, 1: string}>
     */
    private function form(HttpClient $admin): array
    {
        [$xpath, $form] = $this->settingsForm($admin);

        $pairs = [];
        foreach ($xpath->query('.//input|.//select|.//textarea', $form) as $field) {
            /** @var \DOMElement $field */
            $name = $field->getAttribute('name');
            if ('' === $name) {
                continue;
            }
            $tag = strtolower($field->nodeName);
            $type = strtolower($field->getAttribute('type'));
            if ('input' === $tag && in_array($type, ['checkbox', 'radio'], true)) {
                if ($field->hasAttribute('checked')) {
                    $pairs[] = [$name, $field->getAttribute('value') ?: 'on'];
                }
            } elseif ('input' === $tag && 'submit' === $type) {
                $pairs[] = [$name, $field->getAttribute('value')];
            } elseif ('select' === $tag) {
                $selected = $xpath->query('.//option[@selected]', $field)->item(0) ?? $xpath->query('.//option', $field)->item(0);
                $pairs[] = [$name, $selected instanceof \DOMElement ? $selected->getAttribute('value') : ''];
            } elseif ('textarea' === $tag) {
                $pairs[] = [$name, $field->textContent];
            } else {
                $pairs[] = [$name, $field->getAttribute('value')];
            }
        }
        return $pairs;
    }

    /**
     * Sets (or, with null, removes) a single-valued field.
     *
     * @param list<array{0: string, 1: string}> $pairs
     * @return list<array{0: string, 1: string}>
     */
    private function set(array $pairs, string $name, ?string $value): array
    {
        $out = array_values(array_filter($pairs, static fn(array $p): bool => $p[0] !== $name));
        if (null !== $value) {
            $out[] = [$name, $value];
        }
        return $out;
    }

    /** @param list<array{0: string, 1: string}> $pairs */
    private function submit(HttpClient $admin, array $pairs): void
    {
        $this->postOptions($admin, implode('&', array_map(static fn(array $p): string => rawurlencode($p[0]) . '=' . rawurlencode($p[1]), $pairs)));
    }
}
