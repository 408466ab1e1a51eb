<?php
/**
 * Helpers of the file-sharing tests: uploads, downloads, settings changes, raw rows.
 */

declare(strict_types=1);

namespace BkxE2E;

trait UploadHelpers
{
    /** A 1×1 PNG. */
    protected static function png(): string
    {
        return "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"
            . "\0\0\0\x0dIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";
    }

    /** POST /chat/uploads (multipart): `file` plus `conversation_id`. */
    protected function uploadFile(HttpClient $actor, int $conversationId, string $content, string $name, string $type = 'application/octet-stream', array $headers = []): Response
    {
        return $actor->upload(
            self::NS . '/chat/uploads',
            [],
            ['conversation_id' => (string) $conversationId],
            ['file' => ['name' => $name, 'content' => $content, 'type' => $type]],
            $headers
        );
    }

    /** GET of a download URL as $actor (logged-in actors send their REST nonce). */
    protected function download(HttpClient $actor, string $url): Response
    {
        $headers = null !== $actor->wpNonce ? ['X-WP-Nonce' => $actor->wpNonce] : [];
        return $actor->request('GET', $url, null, $headers);
    }

    /** A raw column of an attachment row, read from the site's database. */
    protected static function attachmentColumn(int $id, string $column): string
    {
        $pdo = self::siteDb();
        $prefix = (string) (getenv('BKX_TEST_DB_PREFIX') ?: 'wp_');
        if (!preg_match('/^[A-Za-z0-9_]+$/', $prefix) || !preg_match('/^[a-z_]+$/', $column)) {
            throw new \InvalidArgumentException('bad prefix or column');
        }
        $stmt = $pdo->prepare("SELECT `$column` FROM `{$prefix}bkx_chat_attachments` WHERE id = ?");
        $stmt->execute([$id]);
        $value = $stmt->fetchColumn();
        if (false === $value) {
            throw new \RuntimeException("no attachment row $id");
        }
        return (string) $value;
    }

    /**
     * Saves one plugin setting through the real settings screen (options.php), leaving the
     * others as they are (the plugin applies only the submitted keys).
     */
    protected function saveSetting(HttpClient $admin, string $key, string $value): void
    {
        [$xpath, $form] = $this->settingsForm($admin);
        $fields = [];
        foreach ($xpath->query('.//input[@type="hidden"]', $form) as $input) {
            /** @var \DOMElement $input */
            $name = $input->getAttribute('name');
            if (in_array($name, ['option_page', 'action', '_wpnonce', '_wp_http_referer'], true)) {
                $fields[$name] = $input->getAttribute('value');
            }
        }
        $this->assertArrayHasKey('_wpnonce', $fields, 'the settings form has a nonce');
        $fields["bkx_livechat_settings[$key]"] = $value;
        $this->postOptions($admin, http_build_query($fields));
    }

    /** The text of the Status box row of the settings screen. */
    protected function statusRow(HttpClient $admin, string $label): string
    {
        $page = $admin->get('/wp-admin/admin.php?page=bkx-livechat');
        $this->assertSame(200, $page->status);
        $document = new \DOMDocument();
        libxml_use_internal_errors(true);
        $document->loadHTML($page->body);
        libxml_clear_errors();
        $xpath = new \DOMXPath($document);
        foreach ($xpath->query('//tr[th]') as $row) {
            $th = $xpath->query('th', $row)->item(0);
            $td = $xpath->query('td', $row)->item(0);
            if (null !== $th && null !== $td && trim($th->textContent) === $label) {
                return trim($td->textContent);
            }
        }
        $this->fail("no status row \"$label\" on the settings screen");
    }
}
