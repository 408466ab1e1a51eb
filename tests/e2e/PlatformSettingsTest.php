<?php
/**
 * Platform credentials at rest: saved through the settings screen, stored sealed in the
 * options table (never in clear, never echoed back), and still used by the real webhook
 * endpoint, which must open them to verify a vendor's signature.
 */

declare(strict_types=1);

namespace BkxE2E;

final class PlatformSettingsTest extends E2ETestCase
{
    private const PAGE = '/wp-admin/admin.php?page=bkx-livechat';

    /** The settings option exactly as MySQL holds it. */
    private static function rawOption(): string
    {
        $stmt = self::siteDb()->prepare('SELECT option_value FROM ' . self::siteTable('options') . ' WHERE option_name = ?');
        $stmt->execute(['bkx_livechat_settings']);
        $value = $stmt->fetchColumn();
        self::assertIsString($value, 'the settings option is in the options table');
        return $value;
    }

    public function testCredentialsAreSealedAtRestAndStillVerifyWebhooks(): void
    {
        $secret = 'ic-' . bin2hex(random_bytes(16));
        $token = 'tok-' . bin2hex(random_bytes(16));
        $this->saveSettings(['intercom_client_secret' => $secret, 'intercom_api_key' => $token]);
        try {
            $raw = self::rawOption();
            $this->assertStringNotContainsString($secret, $raw, 'the webhook secret is not stored in clear');
            $this->assertStringNotContainsString($token, $raw, 'the API token is not stored in clear');
            $settings = unserialize($raw, ['allowed_classes' => false]);
            $this->assertIsArray($settings);
            $this->assertStringStartsWith('bkxsb1:', $settings['intercom_client_secret']);
            $this->assertStringStartsWith('bkxsb1:', $settings['intercom_api_key']);

            $page = $this->admin()->get(self::PAGE)->body;
            $this->assertStringNotContainsString($secret, $page);
            $this->assertStringNotContainsString($token, $page);
            $this->assertMatchesRegularExpression('/id="bkx_livechat_intercom_client_secret"[^>]*placeholder="Saved/', $page);

            // The endpoint opens the sealed secret: Intercom's signature made with it verifies.
            $body = (string) file_get_contents(dirname(__DIR__, 2) . '/crates/core/tests/fixtures/webhooks/intercom/ping.json');
            $body = str_replace('notif_6b1d6f9a-0c2e-4b8e-9d1a-000000000007', 'notif_' . bin2hex(random_bytes(8)), $body);
            $vendor = $this->guest('vendor-intercom');
            $route = self::NS . '/chat/intercom/webhook';
            $ok = $vendor->rest('POST', $route, [], $body, ['X-Hub-Signature' => 'sha1=' . hash_hmac('sha1', $body, $secret)], true);
            $this->assertLessThan(300, $ok->status, 'a delivery signed with the saved secret is accepted: ' . $ok->describe());
            // Signed with the sealed text itself (what a database dump shows): refused.
            $dump = $vendor->rest('POST', $route, [], $body, ['X-Hub-Signature' => 'sha1=' . hash_hmac('sha1', $body, $settings['intercom_client_secret'])], true);
            $this->assertSame(401, $dump->status, $dump->describe());

            // Saving again with the password fields empty keeps them (still sealed, same secret).
            $this->saveSettings([]);
            $again = unserialize(self::rawOption(), ['allowed_classes' => false]);
            $this->assertStringStartsWith('bkxsb1:', $again['intercom_client_secret']);
            $ok = $vendor->rest('POST', $route, [], $body, ['X-Hub-Signature' => 'sha1=' . hash_hmac('sha1', $body, $secret)], true);
            $this->assertLessThan(300, $ok->status, $ok->describe());
        } finally {
            $this->saveSettings(['intercom_client_secret' => ' ', 'intercom_api_key' => ' ']);
        }
        $cleared = unserialize(self::rawOption(), ['allowed_classes' => false]);
        $this->assertSame('', $cleared['intercom_client_secret'], 'a single space clears the secret');
    }

    public function testEachVendorHasAnAdvancedApiBaseUrl(): void
    {
        try {
            $this->saveSettings(['drift_base_url' => '']);
            $this->saveSettings(['tawk_base_url' => 'http://127.0.0.1:9/', 'drift_base_url' => 'javascript:alert(1)']);
            $settings = unserialize(self::rawOption(), ['allowed_classes' => false]);
            $this->assertSame('http://127.0.0.1:9', $settings['tawk_base_url'], 'an http(s) URL is kept (no trailing slash)');
            $this->assertSame('', $settings['drift_base_url'], 'anything but http(s) is refused');
            $this->assertMatchesRegularExpression('#id="bkx_livechat_tawk_base_url"[^>]*value="http://127\.0\.0\.1:9"#', $this->admin()->get(self::PAGE)->body);
        } finally {
            $this->saveSettings(['tawk_base_url' => '']);
        }
        $this->assertSame('', unserialize(self::rawOption(), ['allowed_classes' => false])['tawk_base_url']);
    }

    public function testTheStatusBoxShowsThePlatformWithMaskedCredentials(): void
    {
        $secret = 'tawk-' . bin2hex(random_bytes(16));
        try {
            $this->saveSettings(['platform' => 'tawk', 'tawk_webhook_secret' => $secret]);
            $page = $this->admin()->get(self::PAGE)->body;
            $this->assertStringNotContainsString($secret, $page, 'the secret is never shown in full');
            $this->assertStringContainsString('tawk_webhook_secret ••••' . substr($secret, -4), $page, 'which credential is saved, masked');
            $this->assertStringContainsString('/bookingx/v1/chat/tawk/webhook', $page, 'the webhook URL to paste into tawk.to');
        } finally {
            $this->saveSettings(['platform' => 'custom', 'tawk_webhook_secret' => ' ']);
        }
        $this->assertStringContainsString('native chat (custom)', $this->admin()->get(self::PAGE)->body);
    }

    public function testEachVendorHasItsOwnSectionAndThePlatformInUseIsMarked(): void
    {
        try {
            $this->saveSettings(['platform' => 'livechat']);
            $page = $this->admin()->get(self::PAGE)->body;
            foreach (['Intercom', 'Zendesk Chat', 'Drift', 'Tawk.to'] as $title) {
                $this->assertStringContainsString("<h2>$title</h2>", $page);
            }
            $this->assertStringContainsString('<h2>LiveChat (the platform in use)</h2>', $page);
            // Each vendor's fields sit under its own heading: LiveChat's license after its title.
            $this->assertGreaterThan(strpos($page, '<h2>LiveChat'), strpos($page, 'bkx_livechat_settings[livechat_license]'));
            $this->assertLessThan(strpos($page, '<h2>Drift'), strpos($page, 'bkx_livechat_settings[livechat_license]'));
        } finally {
            $this->saveSettings(['platform' => 'custom']);
        }
    }
}
