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

        public function getSettings(): array {}

        public function createConversation(array $data): array {}

        public function getConversation(int $id_): array {}

        public function listConversations(array $filters): array {}

        public function updateConversation(int $id_, array $changes): array {}

        public function sendMessage(int $conversation_id, array $message): array {}

        public function getMessages(int $conversation_id, ?array $page = null): array {}

        public function markRead(int $conversation_id, array $read): array {}

        public function closeConversation(int $id_): array {}

        public function rateConversation(int $id_, int $rating, ?string $comment = null): array {}

        public function tagConversation(int $id_, array $tags): array {}

        public function __construct(array $config) {}
    }

    class ChatToken
    {
        public static function issue(array $claims, string $secret, int $ttl = 900): array {}

        public static function verify(string $token, string $secret): array {}

        public static function newVisitorId(): string {}

        public function __construct() {}
    }

    class ForbiddenException extends \BookingX\Addons\LiveChat\ChatException
    {
    }

    class InvalidArgumentException extends \BookingX\Addons\LiveChat\ChatException
    {
    }

    class NotFoundException extends \BookingX\Addons\LiveChat\ChatException
    {
    }

    class PlatformException extends \BookingX\Addons\LiveChat\ChatException
    {
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
}
