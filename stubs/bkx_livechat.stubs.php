<?php

/**
 * Generated from the bkx_livechat extension by scripts/gen-stubs.php — do not edit; run `make stubs`.
 *
 * Signatures only: what the calls mean is documented in docs/php-api.md.
 *
 * @generated
 */

// phpcs:ignoreFile

namespace BookingX\Addons\LiveChat {

    class Attachments
    {
        public const MAX_BYTES = 10485760;

        public function store(int $conversationId, string $content, array $meta): array {}

        public function get(int $id): array {}

        public function delete(int $id): bool {}

        public function scan(string $content): array {}

        public function scannerStatus(): array {}

        public static function check(string $content, ?string $name = null): array {}

        public static function allowedTypes(): array {}

        public function __construct(array $config) {}
    }

    class BookingAssistant
    {
        public function availability(array $catalog, array $query): array {}

        public function quote(array $catalog, array $query): array {}

        public function verifySlot(array $catalog, array $slot): array {}

        public function hold(array $slot, int $conversationId, ?int $ttlSeconds = null): array {}

        public function releaseHold(string $holdId): bool {}

        public function bookingLink(array $catalog, array $query): array {}

        public function slotsCard(array $availability, ?array $query = null): array {}

        public function quoteCard(array $quote): array {}

        public function bookingCard(array $booking): array {}

        public function __construct(array $config) {}
    }

    class BookingException extends \BookingX\Addons\LiveChat\ChatException
    {
    }

    class ChatException extends \Exception
    {
        protected $errorCode = '';

        protected $details = null;

        public function getErrorCode(): string {}

        public function getDetails(): array {}
    }

    class ChatManager
    {
        public function migrate(): int {}

        public function schemaVersion(): array {}

        public static function latestSchemaVersion(): int {}

        public function getSettings(): array {}

        public function createConversation(array $data): array {}

        public function getConversation(int $id): array {}

        public function listConversations(array $filters): array {}

        public function updateConversation(int $id, array $changes): array {}

        public function sendMessage(int $conversationId, array $message): array {}

        public function getMessages(int $conversationId, ?array $page = null): array {}

        public function markRead(int $conversationId, array $read): array {}

        public function closeConversation(int $id): array {}

        public function rateConversation(int $id, int $rating, ?string $comment = null): array {}

        public function tagConversation(int $id, array $tags): array {}

        public function platform(?string $name = null): mixed {}

        public function ingestWebhook(string $platform, array $headers, string $rawBody): array {}

        public function __construct(array $config) {}
    }

    interface ChatPlatformInterface
    {
        public function initialize(array $config): void;

        public function sendMessage(string $conversationId, array $message): array;

        public function receiveMessage(array $headers, string $rawBody): array;

        public function createConversation(array $conversation): array;

        public function getConversationHistory(string $conversationId, ?array $page = null): array;
    }

    class ChatToken
    {
        public static function issue(array $claims, string $secret, int $ttl = 900): array {}

        public static function verify(string $token, string $secret): array {}

        public static function newVisitorId(): string {}

        public function __construct() {}
    }

    class CustomPlatform implements \BookingX\Addons\LiveChat\ChatPlatformInterface
    {
        public function initialize(array $config): void {}

        public function sendMessage(string $conversationId, array $message): array {}

        public function receiveMessage(array $headers, string $rawBody): array {}

        public function createConversation(array $conversation): array {}

        public function getConversationHistory(string $conversationId, ?array $page = null): array {}

        public function embedWidget(?array $_visitor = null): array {}

        public function health(): array {}

        public function describe(): array {}

        public function __construct(?array $config = null) {}
    }

    class DriftPlatform implements \BookingX\Addons\LiveChat\ChatPlatformInterface
    {
        public function initialize(array $config): void {}

        public function sendMessage(string $conversationId, array $message): array {}

        public function receiveMessage(array $headers, string $rawBody): array {}

        public function createConversation(array $conversation): array {}

        public function getConversationHistory(string $conversationId, ?array $page = null): array {}

        public function fetchHistory(string $platformConversationId, ?string $cursor = null): array {}

        public function importHistory(string $platformConversationId, ?string $cursor = null): array {}

        public function testConnection(): array {}

        public function health(): array {}

        public function embedWidget(?array $visitor = null): array {}

        public function widgetIdentity(array $visitor): array {}

        public function describe(): array {}

        public function __construct(?array $config = null) {}
    }

    class ForbiddenException extends \BookingX\Addons\LiveChat\ChatException
    {
    }

    class IntercomPlatform implements \BookingX\Addons\LiveChat\ChatPlatformInterface
    {
        public function initialize(array $config): void {}

        public function sendMessage(string $conversationId, array $message): array {}

        public function receiveMessage(array $headers, string $rawBody): array {}

        public function createConversation(array $conversation): array {}

        public function getConversationHistory(string $conversationId, ?array $page = null): array {}

        public function fetchHistory(string $platformConversationId, ?string $cursor = null): array {}

        public function importHistory(string $platformConversationId, ?string $cursor = null): array {}

        public function testConnection(): array {}

        public function health(): array {}

        public function embedWidget(?array $visitor = null): array {}

        public function widgetIdentity(array $visitor): array {}

        public function describe(): array {}

        public function trackEvent(string $eventName, string $userId, ?array $metadata = null): bool {}

        public function syncUserData(array $contact): string {}

        public function __construct(?array $config = null) {}
    }

    class InvalidArgumentException extends \BookingX\Addons\LiveChat\ChatException
    {
    }

    class LiveChatPlatform implements \BookingX\Addons\LiveChat\ChatPlatformInterface
    {
        public function initialize(array $config): void {}

        public function sendMessage(string $conversationId, array $message): array {}

        public function receiveMessage(array $headers, string $rawBody): array {}

        public function createConversation(array $conversation): array {}

        public function getConversationHistory(string $conversationId, ?array $page = null): array {}

        public function fetchHistory(string $platformConversationId, ?string $cursor = null): array {}

        public function importHistory(string $platformConversationId, ?string $cursor = null): array {}

        public function testConnection(): array {}

        public function health(): array {}

        public function embedWidget(?array $visitor = null): array {}

        public function widgetIdentity(array $visitor): array {}

        public function describe(): array {}

        public function transferChat(string $platformChatId, string $targetType, array $targetIds): bool {}

        public function __construct(?array $config = null) {}
    }

    class NotFoundException extends \BookingX\Addons\LiveChat\ChatException
    {
    }

    class PlatformException extends \BookingX\Addons\LiveChat\ChatException
    {
    }

    class ProactiveEngagement
    {
        public function saveRule(array $rule): array {}

        public function getRule(int $id): array {}

        public function listRules(?bool $activeOnly = null): array {}

        public function deleteRule(int $id): bool {}

        public function compactRules(): array {}

        public function evaluate(array $visitor, ?array $ruleIds = null, ?array $context = null): array {}

        public function recordEvent(array $event): void {}

        public function stats(int $ruleId): array {}

        public function __construct(array $config) {}
    }

    class RateLimitedException extends \BookingX\Addons\LiveChat\ChatException
    {
    }

    class Sanitizer
    {
        public static function clean(string $html): string {}

        public static function toText(string $html): string {}

        public static function maxLength(): int {}

        public function __construct() {}
    }

    class SignatureException extends \BookingX\Addons\LiveChat\ChatException
    {
    }

    class StorageException extends \BookingX\Addons\LiveChat\ChatException
    {
    }

    class TawkPlatform implements \BookingX\Addons\LiveChat\ChatPlatformInterface
    {
        public function initialize(array $config): void {}

        public function sendMessage(string $conversationId, array $message): array {}

        public function receiveMessage(array $headers, string $rawBody): array {}

        public function createConversation(array $conversation): array {}

        public function getConversationHistory(string $conversationId, ?array $page = null): array {}

        public function fetchHistory(string $platformConversationId, ?string $cursor = null): array {}

        public function importHistory(string $platformConversationId, ?string $cursor = null): array {}

        public function testConnection(): array {}

        public function health(): array {}

        public function embedWidget(?array $visitor = null): array {}

        public function widgetIdentity(array $visitor): array {}

        public function describe(): array {}

        public function __construct(?array $config = null) {}
    }

    class WebhookVerifier
    {
        public static function verify(string $platform, array $headers, string $rawBody, string $secret): bool {}

        public static function check(string $platform, array $headers, string $rawBody, string $secret): void {}

        public static function platforms(): array {}

        public function __construct() {}
    }

    class ZendeskPlatform implements \BookingX\Addons\LiveChat\ChatPlatformInterface
    {
        public function initialize(array $config): void {}

        public function sendMessage(string $conversationId, array $message): array {}

        public function receiveMessage(array $headers, string $rawBody): array {}

        public function createConversation(array $conversation): array {}

        public function getConversationHistory(string $conversationId, ?array $page = null): array {}

        public function fetchHistory(string $platformConversationId, ?string $cursor = null): array {}

        public function importHistory(string $platformConversationId, ?string $cursor = null): array {}

        public function testConnection(): array {}

        public function health(): array {}

        public function embedWidget(?array $visitor = null): array {}

        public function widgetIdentity(array $visitor): array {}

        public function describe(): array {}

        public function authenticateUser(array $visitor): string {}

        public function __construct(?array $config = null) {}
    }
}
