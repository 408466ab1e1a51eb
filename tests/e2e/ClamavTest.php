<?php
/**
 * Virus scanning of uploads over real HTTP, with a real clamd started by the test (Debian's
 * clamav-daemon, a temporary folder, a signature database holding only a local EICAR
 * signature). The site is pointed at it through the settings screen.
 *
 * clamd missing or not starting fails these tests; they never skip.
 */

declare(strict_types=1);

namespace BkxE2E;

final class ClamavTest extends E2ETestCase
{
    use UploadHelpers;

    private const STATUS_LABEL = 'Virus scanning (ClamAV)';

    private ?\Clamd $clamd = null;

    protected function tearDown(): void
    {
        try {
            $this->clamd?->stop();
            $this->clamd = null;
            if ('' === Env::error()) {
                $this->saveSetting($this->admin(), 'clamav_address', '');
            }
        } finally {
            parent::tearDown();
        }
    }

    public function testInfectedUploadsAreRefusedAndScanningOffIsVisible(): void
    {
        $this->clamd = \Clamd::start();
        $admin = $this->admin();
        $guest = $this->guest('scanned');
        $conversation = $this->startConversation($guest, 'Sending you a file.');

        foreach (['unix socket' => $this->clamd->socket, 'TCP' => $this->clamd->tcpAddress()] as $kind => $address) {
            $this->saveSetting($admin, 'clamav_address', $address);
            $status = $this->statusRow($admin, self::STATUS_LABEL);
            $this->assertStringStartsWith('on — ClamAV ', $status, $kind);
            $this->assertStringContainsString($address, $status, $kind);

            $eicar = $this->uploadFile($guest, $conversation['id'], \Clamd::EICAR, 'eicar.txt', 'text/plain');
            $this->assertError(400, 'invalid_argument', $eicar, "EICAR over $kind");
            $details = $eicar->json()['data']['details'];
            $this->assertSame('infected', $details['reason'] ?? null, $eicar->describe());
            $this->assertStringStartsWith(\Clamd::SIGNATURE, (string) ($details['signature'] ?? ''), $eicar->describe());
            $this->assertSame('file', $details['field'] ?? null);

            $clean = $this->uploadFile($guest, $conversation['id'], "Nothing to see here.\n", 'clean.txt', 'text/plain');
            $this->assertStatus(201, $clean, "clean file over $kind");
            $this->assertSame('clean', $clean->json()['scan_status']);
            $png = $this->uploadFile($guest, $conversation['id'], self::png(), 'p.png', 'image/png');
            $this->assertStatus(201, $png);
            $this->assertSame('clean', $png->json()['scan_status']);
        }

        // clamd goes away: uploads still work, unscanned, and the admin sees scanning is off.
        $this->clamd->stop();
        $after = $this->uploadFile($guest, $conversation['id'], "Still fine.\n", 'after.txt', 'text/plain');
        $this->assertStatus(201, $after, 'with clamd stopped');
        $this->assertSame('skipped', $after->json()['scan_status']);
        $this->assertSame('skipped', self::attachmentColumn((int) $after->json()['id'], 'scan_status'));
        $status = $this->statusRow($admin, self::STATUS_LABEL);
        $this->assertStringStartsWith('off — no ClamAV daemon is reachable', $status);
        $this->assertStringContainsString($this->clamd->tcpAddress(), $status);

        // Switched off on purpose.
        $this->saveSetting($admin, 'clamav_address', 'off');
        $this->assertStringStartsWith('off — switched off in the settings', $this->statusRow($admin, self::STATUS_LABEL));
        $off = $this->uploadFile($guest, $conversation['id'], \Clamd::EICAR, 'eicar.txt', 'text/plain');
        $this->assertStatus(201, $off, 'no scanning when switched off');
        $this->assertSame('skipped', $off->json()['scan_status']);
    }

    public function testAnInvalidAddressIsNotSaved(): void
    {
        $admin = $this->admin();
        $this->saveSetting($admin, 'clamav_address', '127.0.0.1:3310');
        $this->saveSetting($admin, 'clamav_address', 'http://evil.example/; rm -rf');
        $page = $admin->get('/wp-admin/admin.php?page=bkx-livechat');
        $this->assertMatchesRegularExpression('/id="bkx_livechat_clamav_address"[^>]*value="127\.0\.0\.1:3310"/', $page->body);
    }
}
