<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\Attachments;
use BookingX\Addons\LiveChat\ChatException;
use BookingX\Addons\LiveChat\InvalidArgumentException;
use BookingX\Addons\LiveChat\NotFoundException;

/**
 * `Attachments`: content checks (allow-list by magic bytes, 10 MB), records, file messages,
 * and the virus scan against a real clamd with a local EICAR signature.
 */
final class AttachmentsTest extends ChatTestCase
{
    private const PNG = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"
        . "\0\0\0\x0dIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

    private const KEYS = [
        'id', 'conversation_id', 'message_id', 'name', 'mime', 'size', 'sha256', 'scan_status', 'uploader_type',
        'uploader_id', 'visitor_id', 'storage_name', 'created_at', 'content_type', 'inline',
    ];

    private static ?Clamd $clamd = null;

    public static function tearDownAfterClass(): void
    {
        self::$clamd?->stop();
        self::$clamd = null;
        parent::tearDownAfterClass();
    }

    private function attachments(string $scanner = 'off'): Attachments
    {
        return new Attachments(TestDb::managerConfig(static::$prefix) + ['scanner' => ['address' => $scanner, 'timeout' => 10]]);
    }

    private function clamd(): Clamd
    {
        if (null === self::$clamd || !self::$clamd->running()) {
            self::$clamd = Clamd::start();
        }
        return self::$clamd;
    }

    public function testLimitAndAllowList(): void
    {
        self::assertSame(10 * 1024 * 1024, Attachments::MAX_BYTES);
        self::assertSame(
            ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'],
            array_column(Attachments::allowedTypes(), 'mime')
        );
    }

    public function testCheckSniffsTheContentNotTheName(): void
    {
        $png = Attachments::check(self::PNG, 'holiday photo.PNG');
        self::assertSame([
            'mime' => 'image/png',
            'content_type' => 'image/png',
            'inline' => true,
            'size' => strlen(self::PNG),
            'sha256' => hash('sha256', self::PNG),
            'name' => 'holiday photo.PNG',
        ], $png);
        self::assertSame('text/plain; charset=utf-8', Attachments::check("Hi,\nsee you at 10.\n", 'n.txt')['content_type']);
        self::assertSame('notes.txt', Attachments::check('hello', '/tmp/../notes')['name']);
        self::assertSame('shell.php.pdf', Attachments::check("%PDF-1.4\n%\xe2\xe3\n", 'shell.php')['name']);

        $refused = [
            'elf named png' => ["\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0", 'photo.png', 'application/x-executable'],
            'php named png' => ["<?php system(\$_GET['c']); ?>", 'photo.png', 'application/x-httpd-php'],
            'png + php' => [self::PNG . '<?php phpinfo();', 'photo.png', 'application/x-httpd-php'],
            'svg' => ['<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 'a.svg', 'image/svg+xml'],
            'html' => ['<!DOCTYPE html><script>alert(1)</script>', 'a.txt', 'text/html'],
            'zip' => ["PK\x03\x04\x14\0\0\0", 'a.docx', 'application/zip'],
            'binary' => ["\0\x01\x02\x03", 'a.txt', 'application/octet-stream'],
        ];
        foreach ($refused as $case => [$content, $name, $detected]) {
            $e = $this->expectChatError(static fn () => Attachments::check($content, $name), InvalidArgumentException::class, 'unsupported_media_type');
            self::assertSame($detected, $e->getDetails()['detected'] ?? null, $case);
            self::assertSame('file', $e->getDetails()['field'] ?? null, $case);
        }
    }

    public function testSizeLimitIsInclusive(): void
    {
        $max = str_repeat('a', Attachments::MAX_BYTES);
        self::assertSame(Attachments::MAX_BYTES, Attachments::check($max, 'big.txt')['size']);
        $e = $this->expectChatError(static fn () => Attachments::check($max . 'a', 'big.txt'), InvalidArgumentException::class, 'payload_too_large');
        self::assertSame(Attachments::MAX_BYTES, $e->getDetails()['max']);
        self::assertSame(Attachments::MAX_BYTES + 1, $e->getDetails()['size']);
        $this->expectChatError(static fn () => Attachments::check('', 'empty.txt'), InvalidArgumentException::class, 'invalid_argument');
    }

    public function testInvalidScannerAddressIsRefused(): void
    {
        $e = $this->expectChatError(fn () => $this->attachments('not an address'), InvalidArgumentException::class, 'invalid_argument');
        self::assertSame('clamav_address', $e->getDetails()['field']);
    }

    public function testStoreRecordsAndSendMessageLinks(): void
    {
        $visitor = self::visitorId();
        $c = $this->newConversation(['visitor_id' => $visitor, 'message' => 'hi']);
        $att = $this->attachments();
        $a = $att->store($c['id'], self::PNG, ['name' => 'C:\\fakepath\\photo.png', 'uploader_type' => 'customer', 'visitor_id' => $visitor]);
        self::assertSame(['status' => 'skipped', 'reason' => 'scanning is switched off'], $a['scan']);
        unset($a['scan']);
        self::assertSame(self::KEYS, array_keys($a));
        self::assertSame('photo.png', $a['name']);
        self::assertSame('image/png', $a['mime']);
        self::assertSame('skipped', $a['scan_status']);
        self::assertNull($a['message_id']);
        self::assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $a['storage_name']);
        self::assertSame($a, $att->get($a['id']));
        $row = self::rawRow('attachments', $a['id']);
        self::assertSame($a['storage_name'], $row['storage_name']);
        self::assertSame(hash('sha256', self::PNG), $row['sha256']);

        // Refused uploads write nothing.
        $rows = self::countRows('attachments');
        $this->expectChatError(static fn () => $att->store($c['id'], "\x7fELF\x02", ['uploader_type' => 'customer']), InvalidArgumentException::class, 'unsupported_media_type');
        $this->expectChatError(static fn () => $att->store(999999, self::PNG, ['uploader_type' => 'customer']), NotFoundException::class, 'not_found');
        $this->expectChatError(static fn () => $att->store($c['id'], self::PNG, []), InvalidArgumentException::class, 'invalid_argument');
        self::assertSame($rows, self::countRows('attachments'));

        $url = 'https://example.com/wp-json/bookingx/v1/chat/uploads/' . $a['id'];
        $m = $this->chat()->sendMessage($c['id'], ['sender_type' => 'customer', 'attachment_id' => $a['id'], 'attachment_url' => $url]);
        self::assertSame('file', $m['message_type']);
        self::assertSame('photo.png', $m['body']);
        self::assertSame(['id' => $a['id'], 'name' => 'photo.png', 'mime' => 'image/png', 'size' => strlen(self::PNG), 'url' => $url], $m['attachment']);
        self::assertSame($url, $m['attachment_url']);
        self::assertSame($m, $this->chat()->getMessages($c['id'])[1]);
        self::assertSame($m['id'], $att->get($a['id'])['message_id']);

        $this->expectChatError(fn () => $this->chat()->sendMessage($c['id'], ['sender_type' => 'customer', 'attachment_id' => $a['id']]), ChatException::class, 'conflict');
        $this->expectChatError(static fn () => $att->delete($a['id']), ChatException::class, 'conflict');
        $other = $this->newConversation();
        $this->expectChatError(fn () => $this->chat()->sendMessage($other['id'], ['sender_type' => 'customer', 'attachment_id' => $a['id']]), NotFoundException::class, 'not_found');

        $b = $att->store($c['id'], "notes\n", ['name' => 'n.txt', 'uploader_type' => 'customer']);
        self::assertTrue($att->delete($b['id']));
        $this->expectChatError(static fn () => $att->get($b['id']), NotFoundException::class, 'not_found');
    }

    public function testUnreachableScannerIsSkippedAndReported(): void
    {
        $c = $this->newConversation();
        $server = stream_socket_server('tcp://127.0.0.1:0');
        $name = (string) stream_socket_get_name($server, false);
        fclose($server); // Nothing listens there now.
        $att = $this->attachments($name);
        $a = $att->store($c['id'], 'hello', ['name' => 'h.txt', 'uploader_type' => 'agent', 'uploader_id' => 5]);
        self::assertSame('skipped', $a['scan_status']);
        self::assertStringContainsString($name, $a['scan']['reason']);
        $status = $att->scannerStatus();
        self::assertTrue($status['enabled']);
        self::assertFalse($status['available']);
        self::assertSame([$name], $status['addresses']);
        self::assertFalse($this->attachments('off')->scannerStatus()['enabled']);
    }

    public function testRealClamdRefusesEicarOverBothSockets(): void
    {
        $clamd = $this->clamd();
        $c = $this->newConversation();
        foreach ([$clamd->socket, $clamd->tcpAddress()] as $address) {
            $att = $this->attachments($address);
            $status = $att->scannerStatus();
            self::assertTrue($status['available'], $address . ': ' . json_encode($status));
            self::assertStringStartsWith('ClamAV ', $status['version']);
            self::assertSame($address, $status['address']);

            $scan = $att->scan(Clamd::EICAR);
            self::assertSame('infected', $scan['status'], $address);
            self::assertStringStartsWith(Clamd::SIGNATURE, $scan['signature']);

            $rows = self::countRows('attachments');
            $e = $this->expectChatError(static fn () => $att->store($c['id'], Clamd::EICAR, ['name' => 'eicar.txt', 'uploader_type' => 'customer']), InvalidArgumentException::class, 'invalid_argument');
            self::assertSame('infected', $e->getDetails()['reason']);
            self::assertStringStartsWith(Clamd::SIGNATURE, $e->getDetails()['signature']);
            self::assertSame($rows, self::countRows('attachments'), 'an infected file is not recorded');

            $clean = $att->store($c['id'], "clean notes\n", ['name' => 'notes.txt', 'uploader_type' => 'customer']);
            self::assertSame('clean', $clean['scan_status'], $address);
            self::assertSame(['status' => 'clean', 'address' => $address], $clean['scan']);
            // A clean image goes through the same stream (chunked).
            self::assertSame('clean', $att->store($c['id'], self::PNG, ['name' => 'p.png', 'uploader_type' => 'agent'])['scan_status']);
        }

        $att = $this->attachments($clamd->socket);
        $clamd->stop();
        $after = $att->store($c['id'], "after\n", ['name' => 'a.txt', 'uploader_type' => 'customer']);
        self::assertSame('skipped', $after['scan_status'], 'with clamd stopped, uploads still work');
        self::assertFalse($att->scannerStatus()['available']);
    }
}
