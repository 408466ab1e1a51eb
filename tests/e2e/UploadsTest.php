<?php
/**
 * File sharing over real HTTP: POST /chat/uploads (multipart), file messages, and
 * GET /chat/uploads/{id} with its access rules and headers.
 */

declare(strict_types=1);

namespace BkxE2E;

final class UploadsTest extends E2ETestCase
{
    use UploadHelpers;

    private const MAX = 10 * 1024 * 1024;

    /** @return array{0: HttpClient, 1: array<string, mixed>} a guest and its conversation */
    private function guestWithConversation(string $name = 'uploader'): array
    {
        $guest = $this->guest($name);
        $conversation = $this->startConversation($guest, 'I will send a photo of the room.');
        $this->assertNotNull($guest->chatNonce, 'the guest got its chat nonce');
        return [$guest, $conversation];
    }

    public function testGuestUploadsAPngSendsItAndDownloadsIt(): void
    {
        [$guest, $conversation] = $this->guestWithConversation();
        $png = self::png();
        $response = $this->uploadFile($guest, $conversation['id'], $png, 'room photo.png', 'image/png');
        $this->assertStatus(201, $response);
        $a = $response->json();
        $this->assertSame(['id', 'conversation_id', 'message_id', 'name', 'mime', 'size', 'sha256', 'scan_status', 'created_at', 'url'], array_keys($a));
        $this->assertSame($conversation['id'], $a['conversation_id']);
        $this->assertNull($a['message_id']);
        $this->assertSame('room photo.png', $a['name']);
        $this->assertSame('image/png', $a['mime']);
        $this->assertSame(strlen($png), $a['size']);
        $this->assertSame(hash('sha256', $png), $a['sha256']);
        $this->assertContains($a['scan_status'], ['clean', 'skipped']);
        $this->assertStringContainsString('/bookingx/v1/chat/uploads/' . $a['id'], $a['url']);
        $this->assertSame($a['url'], $response->header('Location'));
        $this->assertStringNotContainsString('storage_name', $response->body);

        // The file message: message_type file + attachment_id; the body defaults to the name.
        $sent = $this->postMessage($guest, $conversation['id'], null, ['message_type' => 'file', 'attachment_id' => $a['id'], 'client_id' => 'file-1']);
        $this->assertStatus(201, $sent);
        $message = $sent->json();
        $this->assertSame('file', $message['message_type']);
        $this->assertSame('room photo.png', $message['body']);
        $this->assertSame(['id' => $a['id'], 'name' => 'room photo.png', 'mime' => 'image/png', 'size' => strlen($png), 'url' => $a['url']], $message['attachment']);
        $this->assertSame($a['url'], $message['attachment_url']);
        $history = $this->history($guest, $conversation['id']);
        $this->assertSame($message['attachment'], end($history)['attachment']);
        // The agent sees it too.
        $agentView = $this->history($this->agent(), $conversation['id']);
        $this->assertSame($message['attachment'], end($agentView)['attachment']);

        // Download by the participant: the bytes, with the safe headers.
        $file = $this->download($guest, $a['url']);
        $this->assertSame(200, $file->status, $file->describe());
        $this->assertSame($png, $file->body);
        $this->assertSame('image/png', $file->header('Content-Type'));
        $this->assertSame('nosniff', $file->header('X-Content-Type-Options'));
        $this->assertStringContainsString('sandbox', (string) $file->header('Content-Security-Policy'));
        $this->assertStringStartsWith('inline; filename="room photo.png"', (string) $file->header('Content-Disposition'));
        $this->assertStringContainsString('no-store', (string) $file->header('Cache-Control'));
        $this->assertSame(strlen($png), (int) $file->header('Content-Length'));
        // Staff may download it as well.
        $this->assertSame($png, $this->download($this->agent(), $a['url'])->body);
    }

    public function testOtherPeopleCannotDownload(): void
    {
        [$guest, $conversation] = $this->guestWithConversation();
        $a = $this->uploadFile($guest, $conversation['id'], "booking notes\n", 'notes.txt', 'text/plain')->json();
        $this->assertIsInt($a['id'] ?? null);

        $second = $this->guest('second');
        $this->startConversation($second, 'My own chat.');
        $this->assertError(403, 'forbidden', $this->download($second, $a['url']), 'a second guest');
        $this->assertError(401, 'unauthenticated', $this->download($this->guest('nobody'), $a['url']), 'a guest without a visitor cookie');
        $this->assertError(403, 'forbidden', $this->download($this->customer(2), $a['url']), 'a customer of other chats');
        $this->assertError(404, 'not_found', $this->download($guest, str_replace('/uploads/' . $a['id'], '/uploads/99999999', $a['url'])));
        // A second guest cannot upload into it either.
        $this->assertError(403, 'forbidden', $this->uploadFile($second, $conversation['id'], 'x', 'x.txt'));

        $file = $this->download($guest, $a['url']);
        $this->assertSame(200, $file->status, $file->describe());
        $this->assertSame("booking notes\n", $file->body);
        $this->assertSame('text/plain; charset=utf-8', $file->header('Content-Type'));
        $this->assertStringStartsWith('attachment; filename="notes.txt"', (string) $file->header('Content-Disposition'), 'non-images are downloads');
    }

    public function testDisguisedAndDangerousFilesAre415(): void
    {
        [$guest, $conversation] = $this->guestWithConversation();
        $cases = [
            'ELF named .png' => ["\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0", 'photo.png', 'image/png', 'application/x-executable'],
            'PHP named .png' => ["<?php echo shell_exec(\$_GET['c']); ?>", 'photo.png', 'image/png', 'application/x-httpd-php'],
            'PNG with PHP inside' => [self::png() . '<?php phpinfo(); ?>', 'photo.png', 'image/png', 'application/x-httpd-php'],
            'SVG' => ['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'logo.svg', 'image/svg+xml', 'image/svg+xml'],
            'HTML named .txt' => ["<html><body><script>alert(document.cookie)</script>", 'notes.txt', 'text/plain', 'text/html'],
            'shell script' => ["#!/bin/sh\nrm -rf /\n", 'notes.txt', 'text/plain', 'text/x-shellscript'],
        ];
        foreach ($cases as $case => [$content, $name, $type, $detected]) {
            $response = $this->uploadFile($guest, $conversation['id'], $content, $name, $type);
            $this->assertError(415, 'unsupported_media_type', $response, $case);
            $this->assertSame($detected, $response->json()['data']['details']['detected'] ?? null, $case);
        }
        $this->assertError(400, 'invalid_argument', $this->uploadFile($guest, $conversation['id'], '', 'empty.txt'), 'empty file');
    }

    public function testTheTenMegabyteLimitIsInclusive(): void
    {
        [$guest, $conversation] = $this->guestWithConversation();
        $over = $this->uploadFile($guest, $conversation['id'], str_repeat('a', self::MAX + 1), 'big.txt', 'text/plain');
        $this->assertError(413, 'payload_too_large', $over, '10 MB + 1 byte');
        $this->assertSame(self::MAX, $over->json()['data']['details']['max'] ?? null);
        $exact = $this->uploadFile($guest, $conversation['id'], str_repeat('a', self::MAX), 'big.txt', 'text/plain');
        $this->assertStatus(201, $exact, 'exactly 10 MB');
        $this->assertSame(self::MAX, $exact->json()['size']);
    }

    public function testUploadRules(): void
    {
        [$guest, $conversation] = $this->guestWithConversation();
        // Guests' writes need the chat nonce; a request without a file is explained.
        $this->assertError(403, 'forbidden', $this->uploadFile($guest, $conversation['id'], 'x', 'x.txt', 'text/plain', ['X-BKX-Chat-Nonce' => null]));
        $noFile = $guest->upload(self::NS . '/chat/uploads', [], ['conversation_id' => (string) $conversation['id']], []);
        $this->assertError(400, 'invalid_argument', $noFile);
        $this->assertError(400, 'rest_missing_callback_param', $guest->upload(self::NS . '/chat/uploads', [], [], ['file' => ['name' => 'x.txt', 'content' => 'x']]));
        $this->assertError(401, 'unauthenticated', $this->uploadFile($this->guest('nobody'), $conversation['id'], 'x', 'x.txt'));

        // File messages: the file must be this conversation's, unsent, and the sender's side.
        $a = $this->uploadFile($guest, $conversation['id'], "a\n", 'a.txt')->json();
        $this->assertError(400, 'invalid_argument', $this->postMessage($guest, $conversation['id'], 'x', ['message_type' => 'file']), 'file without attachment_id');
        $this->assertError(403, 'forbidden', $this->postMessage($this->agent(), $conversation['id'], 'mine?', ['attachment_id' => $a['id']]), 'the agent cannot send the guest\'s file');
        [$other, $otherConversation] = $this->guestWithConversation('other');
        $this->assertError(404, 'not_found', $this->postMessage($other, $otherConversation['id'], 'x', ['attachment_id' => $a['id']]), 'a file of another conversation');
        $this->assertStatus(201, $this->postMessage($guest, $conversation['id'], 'Here it is', ['attachment_id' => $a['id']]));
        $this->assertError(409, 'conflict', $this->postMessage($guest, $conversation['id'], 'again', ['attachment_id' => $a['id']]), 'a file is sent once');

        // Agents upload and send files too.
        $agent = $this->agent();
        $b = $this->uploadFile($agent, $conversation['id'], "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n", 'price list.pdf', 'application/pdf');
        $this->assertStatus(201, $b);
        $sent = $this->postMessage($agent, $conversation['id'], 'Our prices', ['attachment_id' => $b->json()['id']]);
        $this->assertStatus(201, $sent);
        $this->assertSame('application/pdf', $sent->json()['attachment']['mime']);
        $pdf = $this->download($guest, $b->json()['url']);
        $this->assertSame(200, $pdf->status, $pdf->describe());
        $this->assertStringStartsWith('attachment; filename="price list.pdf"', (string) $pdf->header('Content-Disposition'));

        // A closed conversation takes no more files.
        $this->assertStatus(200, $guest->rest('POST', self::NS . "/chat/conversations/{$conversation['id']}/close"));
        $this->assertError(409, 'conflict', $this->uploadFile($guest, $conversation['id'], 'x', 'x.txt'));
    }

    public function testFilesAreStoredPrivatelyUnderRandomNames(): void
    {
        [$guest, $conversation] = $this->guestWithConversation();
        $a = $this->uploadFile($guest, $conversation['id'], self::png(), '../../wp-config.php', 'image/png')->json();
        $this->assertSame('wp-config.php.png', $a['name'], 'the client\'s name is display text only');
        $storage = self::attachmentColumn((int) $a['id'], 'storage_name');
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $storage);
        $wp = (string) getenv('BKX_TEST_WP_PATH');
        $this->assertNotSame('', $wp, 'BKX_TEST_WP_PATH is needed to look at the stored files');
        $dir = $wp . '/wp-content/uploads/bkx-livechat-private';
        $this->assertSame(self::png(), file_get_contents($dir . '/' . $storage));
        foreach (['.htaccess', 'index.php', 'web.config'] as $guard) {
            $this->assertFileExists($dir . '/' . $guard);
        }
        $this->assertStringContainsString('Require all denied', (string) file_get_contents($dir . '/.htaccess'));
        // Even knowing the random name, the web server does not serve the folder.
        $direct = $guest->get('/wp-content/uploads/bkx-livechat-private/' . $storage);
        $this->assertSame(403, $direct->status, 'direct access to the private folder');
        $this->assertNotSame(self::png(), $direct->body);
    }
}
