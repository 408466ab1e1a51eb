<?php
/**
 * BookingX Live Chat — the platform classes (ChatPlatformInterface), without WordPress.
 *
 *   php -d extension=$PWD/target/release/libbkx_livechat.so php/examples/platforms.php
 *
 * Database settings as in quickstart.php (BKX_DB_HOST, BKX_DB_PORT, BKX_DB_USER, BKX_DB_PASS,
 * BKX_DB_NAME [bkx_livechat_quickstart], BKX_DB_PREFIX [pf_]); the database must exist.
 *
 * It keeps a native conversation with CustomPlatform, then plays the vendor's part for tawk.to:
 * signs a chat-start webhook the way tawk.to does (HMAC-SHA1 of the raw body with the webhook
 * secret), hands it to TawkPlatform::receiveMessage() and prints the unified history. A forged
 * delivery is refused with a SignatureException and stores nothing. Last, an Intercom widget
 * with a signed identity, and a connection test (set BKX_INTERCOM_URL to an API to reach;
 * without one the test fails fast and the health shows it).
 */

declare(strict_types=1);

use BookingX\Addons\LiveChat\ChatException;
use BookingX\Addons\LiveChat\ChatManager;
use BookingX\Addons\LiveChat\ChatPlatformInterface;
use BookingX\Addons\LiveChat\CustomPlatform;
use BookingX\Addons\LiveChat\IntercomPlatform;
use BookingX\Addons\LiveChat\PlatformException;
use BookingX\Addons\LiveChat\SignatureException;
use BookingX\Addons\LiveChat\TawkPlatform;

if (!extension_loaded('bkx_livechat')) {
    fwrite(STDERR, "The bkx_livechat extension is not loaded.\n"
        . "  php -d extension=\$PWD/target/release/libbkx_livechat.so php/examples/platforms.php\n");
    exit(1);
}

function setting(string $name, string $default): string
{
    $v = getenv($name);
    return $v === false || $v === '' ? $default : $v;
}

$db = [
    'host' => setting('BKX_DB_HOST', '127.0.0.1'),
    'port' => (int) setting('BKX_DB_PORT', '3306'),
    'user' => setting('BKX_DB_USER', 'root'),
    'password' => getenv('BKX_DB_PASS') ?: '',
    'name' => setting('BKX_DB_NAME', 'bkx_livechat_quickstart'),
    'prefix' => setting('BKX_DB_PREFIX', 'pf_'),
];

/** Prints a conversation's history through whichever platform holds it. */
function show(ChatPlatformInterface $platform, int $conversationId): void
{
    foreach ($platform->getConversationHistory((string) $conversationId)['messages'] as $m) {
        printf("  [%s] %s\n", $m['sender_type'], $m['body_text'] ?? strip_tags($m['body']));
    }
}

try {
    (new ChatManager(['db' => $db]))->migrate();

    $native = new CustomPlatform(['db' => $db]);
    $conv = $native->createConversation([
        'visitor_id' => 'visitor-' . bin2hex(random_bytes(6)),
        'message' => ['body' => 'Is there a massage slot tomorrow at 3pm?'],
    ]);
    $native->sendMessage((string) $conv['id'], ['sender_type' => 'agent', 'sender_id' => 1, 'body' => 'Yes — shall I hold it?']);
    echo "Native conversation #{$conv['id']}:\n";
    show($native, (int) $conv['id']);

    $secret = 'tawk-webhook-secret';
    $tawk = new TawkPlatform(['db' => $db, 'credentials' => ['webhook_secret' => $secret]]);
    $body = json_encode([
        'event' => 'chat:start',
        'chatId' => 'example-' . bin2hex(random_bytes(6)),
        'time' => gmdate('Y-m-d\TH:i:s.000\Z'),
        'message' => ['text' => 'Hi! Can I bring a friend?', 'type' => 'msg', 'sender' => ['type' => 'visitor']],
        'visitor' => ['name' => 'Ada', 'email' => 'ada@example.com'],
        'property' => ['id' => 'example-property', 'name' => 'Spa'],
    ]);
    try {
        $tawk->receiveMessage(['X-Tawk-Signature' => hash_hmac('sha1', $body, 'guessed')], $body);
    } catch (SignatureException $e) {
        echo "Forged delivery refused: {$e->getMessage()}\n";
    }
    $r = $tawk->receiveMessage(['X-Tawk-Signature' => hash_hmac('sha1', $body, $secret)], $body);
    echo "tawk.to delivery {$r['status']} as conversation #{$r['conversation_id']}:\n";
    show($tawk, (int) $r['conversation_id']);

    // The widget of a vendor, with the logged-in customer's identity signed server-side:
    // the page gets the script and the hash, never the secret.
    $intercom = new IntercomPlatform([
        'db' => $db,
        'credentials' => ['app_id' => 'a86dr8yl', 'api_key' => 'token', 'secret_key' => 'identity-secret'],
        // Point the API at your own server (or a test double) with BKX_INTERCOM_URL.
        'base_url' => getenv('BKX_INTERCOM_URL') ?: null,
        'timeout_ms' => 2000,
    ]);
    $embed = $intercom->embedWidget(['user_id' => '42', 'email' => 'ada@example.com', 'name' => 'Ada']);
    printf("Intercom widget %s, user_hash %s\n", $embed['script_src'], $embed['identity']['user_hash']);

    // "Test connection": a PlatformException with the vendor's code when it refuses, a
    // platform_unavailable one (never a hang) when it cannot be reached.
    try {
        $account = $intercom->testConnection();
        echo "Intercom answered: " . json_encode($account) . "\n";
    } catch (PlatformException $e) {
        printf("Intercom test failed: %s (%s)\n", $e->getMessage(), $e->getErrorCode());
    }
    echo "Intercom health: " . json_encode($intercom->health()) . "\n";
} catch (ChatException $e) {
    fprintf(STDERR, "%s (%s)\n", $e->getMessage(), $e->getErrorCode());
    exit(1);
}
