<?php
/**
 * BookingX Live Chat — quick start of the PHP API, without WordPress.
 *
 *   php -d extension=$PWD/target/release/libbkx_livechat.so php/examples/quickstart.php
 *
 * Database settings come from the environment (defaults in brackets):
 *   BKX_DB_HOST [127.0.0.1]  BKX_DB_PORT [3306]  BKX_DB_USER [root]  BKX_DB_PASS ['']
 *   BKX_DB_NAME [bkx_livechat_quickstart]  BKX_DB_PREFIX [qs_]
 *
 * It creates the database if it is missing (with mysqli, as that user — the extension itself
 * never creates databases, only its tables), creates the chat tables, starts a conversation,
 * sends messages (one with an XSS attempt) and prints the sanitised history.
 */

declare(strict_types=1);

use BookingX\Addons\LiveChat\ChatException;
use BookingX\Addons\LiveChat\ChatManager;
use BookingX\Addons\LiveChat\Sanitizer;

if (!extension_loaded('bkx_livechat')) {
    fwrite(STDERR, "The bkx_livechat extension is not loaded.\n"
        . "Build it (cargo build --release) and run:\n"
        . "  php -d extension=\$PWD/target/release/libbkx_livechat.so php/examples/quickstart.php\n");
    exit(1);
}

function env(string $name, string $default): string
{
    $v = getenv($name);
    return $v === false || $v === '' ? $default : $v;
}

$db = [
    'host' => env('BKX_DB_HOST', '127.0.0.1'),
    'port' => (int) env('BKX_DB_PORT', '3306'),
    'user' => env('BKX_DB_USER', 'root'),
    'password' => getenv('BKX_DB_PASS') ?: '',
    'name' => env('BKX_DB_NAME', 'bkx_livechat_quickstart'),
    'prefix' => env('BKX_DB_PREFIX', 'qs_'),
];

// 1. The database. Creating it here is a convenience of this example: in WordPress the
//    chat tables live in the site's own database, which already exists.
if (!preg_match('/^[A-Za-z0-9_]{1,64}$/', $db['name'])) {
    fwrite(STDERR, "BKX_DB_NAME may only contain letters, digits and underscores.\n");
    exit(1);
}
if (extension_loaded('mysqli')) {
    mysqli_report(MYSQLI_REPORT_OFF);
    $link = @mysqli_connect($db['host'], $db['user'], $db['password'], '', $db['port']);
    if ($link === false) {
        fwrite(STDERR, sprintf("Cannot connect to MariaDB/MySQL at %s:%d as %s: %s\n",
            $db['host'], $db['port'], $db['user'], mysqli_connect_error()));
        exit(1);
    }
    mysqli_query($link, "CREATE DATABASE IF NOT EXISTS `{$db['name']}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    mysqli_close($link);
} else {
    echo "(mysqli is not loaded: assuming the database {$db['name']} exists)\n";
}

try {
    // 2. The manager. The constructor only validates the configuration; the first call that
    //    needs the database opens a pooled connection for this process.
    $chat = new ChatManager(['db' => $db, 'settings' => ['platform' => 'custom']]);

    // 3. Tables: creates or upgrades {prefix}bkx_chat_*; safe to call on every deploy.
    $version = $chat->migrate();
    echo "Schema version: $version (tables {$db['prefix']}bkx_chat_*)\n";

    // 4. A guest starts a conversation with a first message.
    $visitor = 'quickstart-' . bin2hex(random_bytes(4));
    $conversation = $chat->createConversation([
        'visitor_id' => $visitor,
        'department' => 'Bookings',
        'message' => 'Hello! Do you have a slot on Friday?',
    ]);
    $id = $conversation['id'];
    echo "Conversation #$id started by visitor $visitor (status: {$conversation['status']})\n";

    // 5. Messages are sanitised once, when they are written. Keep what was sent, to compare.
    $sent = [$conversation['first_message']['id'] => 'Hello! Do you have a slot on Friday?'];
    $raw = '<img src=x onerror=alert(1)>hi';                // an XSS attempt: only "hi" is stored
    $m = $chat->sendMessage($id, [
        'sender_type' => 'customer',
        'body' => $raw,
        'client_id' => 'quickstart-msg-1',                  // a retry with this id never duplicates
    ]);
    $sent[$m['id']] = $raw;

    $chat->updateConversation($id, ['assigned_agent_id' => 1]);   // waiting -> active
    $raw = 'Yes, <b>Friday 10:30</b> is free. Book it here: '
        . '<a href="https://example.com/book?slot=fri-1030" target="_blank" onclick="steal()">reserve</a>';
    $m = $chat->sendMessage($id, ['sender_type' => 'agent', 'sender_id' => 1, 'sender_name' => 'Maria', 'body' => $raw]);
    $sent[$m['id']] = $raw;
    $chat->markRead($id, ['reader_type' => 'customer']);

    // 6. The history, oldest first. `body` is safe to output as HTML as it is.
    echo "\nHistory of conversation #$id (oldest first):\n";
    foreach ($chat->getMessages($id, ['limit' => 50]) as $m) {
        $who = $m['sender_name'] !== null ? "{$m['sender_name']} ({$m['sender_type']})" : $m['sender_type'];
        printf("\n  #%d  %s  %s%s\n", $m['id'], $m['sent_at'], $who, $m['is_read'] ? ', read' : '');
        if (($sent[$m['id']] ?? null) !== $m['body']) {
            printf("      sent:    %s\n", $sent[$m['id']] ?? '?');
        }
        printf("      stored:  %s\n", $m['body']);
        printf("      as text: %s\n", Sanitizer::toText($m['body']));
    }

    // 7. Close and rate.
    $closed = $chat->closeConversation($id);
    $rated = $chat->rateConversation($id, 5, 'Quick and <b>friendly</b>!');
    printf("\nClosed after %d s with %d messages; rating %d (\"%s\")\n",
        $closed['resolution_time'], $rated['message_count'], $rated['rating'], $rated['rating_comment']);

    // 8. Errors are exceptions with a stable code.
    try {
        $chat->sendMessage($id, ['sender_type' => 'customer', 'body' => 'one more thing']);
    } catch (ChatException $e) {
        printf("Sending to a closed conversation: %s (%s)\n", $e->getErrorCode(), get_class($e));
    }
} catch (ChatException $e) {
    fprintf(STDERR, "Error %s: %s %s\n", $e->getErrorCode(), $e->getMessage(), json_encode($e->getDetails()));
    exit(1);
}
