<?php
/**
 * Drives the extension's vendor clients against a fake vendor through the public PHP API —
 * Test connection, contacts (incl. the 409 path), conversations, agent and customer
 * messages, history, data events — so that the requests they send can be checked against
 * the vendor's OpenAPI document (tests/fakes/conformance/check.mjs).
 *
 *   scripts/php-ext.sh tests/fakes/conformance/drive-clients.php <intercom|zendesk> <fake url> <fake config json>
 *
 * Database (for the unified conversation the platform classes record first): BKX_DB_HOST,
 * BKX_DB_PORT, BKX_DB_USER, BKX_DB_PASS, BKX_DB_NAME (must exist), prefix `cf_`.
 */

declare(strict_types=1);

use BookingX\Addons\LiveChat\ChatManager;
use BookingX\Addons\LiveChat\IntercomPlatform;
use BookingX\Addons\LiveChat\ZendeskPlatform;

[, $vendor, $url, $json] = $argv;
$config = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
$env = static fn (string $k, string $d): string => (string) (getenv($k) ?: $d);
$db = [
    'host' => $env('BKX_DB_HOST', '127.0.0.1'),
    'port' => (int) $env('BKX_DB_PORT', '3306'),
    'user' => $env('BKX_DB_USER', 'root'),
    'password' => (string) getenv('BKX_DB_PASS'),
    'name' => $env('BKX_DB_NAME', 'bkx_livechat_conformance'),
    'prefix' => 'cf_',
];
(new ChatManager(['db' => $db]))->migrate();
$n = random_int(1, 1_000_000);
$contact = ['external_id' => "wp-$n", 'email' => "ada$n@example.com", 'name' => 'Ada Lovelace'];

if ('intercom' === $vendor) {
    $p = new IntercomPlatform(['db' => $db, 'base_url' => $url, 'credentials' => ['api_key' => $config['access_token']]]);
    $p->testConnection();
    $p->syncUserData($contact);
    $p->syncUserData($contact); // 409: POST /contacts, then POST /contacts/search
    $p->trackEvent('booking-created', $contact['external_id'], ['service' => 'Massage', 'price' => 60]);
} else {
    $p = new ZendeskPlatform(['db' => $db, 'base_url' => $url . '/sc', 'credentials' => ['app_id' => $config['app_id'], 'api_key' => $config['key_id'], 'api_token' => $config['secret']]]);
    $p->testConnection();
}
$conv = $p->createConversation(['visitor_id' => bin2hex(random_bytes(16)), 'contact' => $contact, 'message' => ['body' => 'Is Friday 3pm free?']]);
if ('sent' !== ($conv['platform_delivery']['status'] ?? '')) {
    fwrite(STDERR, 'createConversation: ' . json_encode($conv['platform_delivery']) . "\n");
    exit(1);
}
foreach ([['agent', 'Yes, it is.'], ['customer', 'Great, book it please.']] as [$side, $body]) {
    $m = $p->sendMessage((string) $conv['id'], ['sender_type' => $side, 'sender_id' => 1, 'body' => $body]);
    if ('sent' !== ($m['platform_delivery']['status'] ?? '')) {
        fwrite(STDERR, "sendMessage ($side): " . json_encode($m['platform_delivery']) . "\n");
        exit(1);
    }
}
$p->fetchHistory((string) $conv['platform_conversation_id']);
$p->importHistory((string) $conv['platform_conversation_id']);
echo "ok\n";
