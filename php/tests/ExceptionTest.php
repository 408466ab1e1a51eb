<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\BookingException;
use BookingX\Addons\LiveChat\ChatException;
use BookingX\Addons\LiveChat\ChatManager;
use BookingX\Addons\LiveChat\ChatToken;
use BookingX\Addons\LiveChat\ForbiddenException;
use BookingX\Addons\LiveChat\InvalidArgumentException;
use BookingX\Addons\LiveChat\NotFoundException;
use BookingX\Addons\LiveChat\PlatformException;
use BookingX\Addons\LiveChat\RateLimitedException;
use BookingX\Addons\LiveChat\SignatureException;
use BookingX\Addons\LiveChat\StorageException;

/** The exception hierarchy and what every exception carries. */
final class ExceptionTest extends ChatTestCase
{
    private const SUBCLASSES = [
        InvalidArgumentException::class,
        NotFoundException::class,
        ForbiddenException::class,
        RateLimitedException::class,
        StorageException::class,
        PlatformException::class,
        BookingException::class,
        SignatureException::class,
    ];

    public function testHierarchy(): void
    {
        self::assertTrue(is_subclass_of(ChatException::class, \Exception::class));
        self::assertSame(\Exception::class, get_parent_class(ChatException::class));
        foreach (self::SUBCLASSES as $class) {
            self::assertTrue(class_exists($class), "$class exists");
            self::assertSame(ChatException::class, get_parent_class($class), "$class extends ChatException directly");
            $e = new $class('m');
            self::assertInstanceOf(ChatException::class, $e);
            self::assertInstanceOf(\Exception::class, $e);
            self::assertInstanceOf(\Throwable::class, $e);
            self::assertFalse((new ReflectionClass($class))->isFinal());
        }
        // Not to be confused with PHP's own \InvalidArgumentException.
        self::assertNotInstanceOf(\InvalidArgumentException::class, new InvalidArgumentException('x'));
    }

    public function testUserlandInstancesBehaveLikeExceptions(): void
    {
        $prev = new \RuntimeException('cause');
        $e = new NotFoundException('custom message', 123, $prev);
        self::assertSame('custom message', $e->getMessage());
        self::assertSame(123, $e->getCode());
        self::assertSame($prev, $e->getPrevious());
        self::assertSame('', $e->getErrorCode());
        self::assertSame([], $e->getDetails());
        self::assertSame(__FILE__, $e->getFile());

        // Subclassing in PHP works (the plugin may add its own).
        $sub = new class ('sub') extends ChatException {
        };
        self::assertInstanceOf(ChatException::class, $sub);
        self::assertSame([], $sub->getDetails());

        try {
            throw new ForbiddenException('nope');
        } catch (\Exception $caught) {
            self::assertInstanceOf(ForbiddenException::class, $caught);
        }
    }

    public function testThrownExceptionsCarryCodeDetailsAndTheCallersLocation(): void
    {
        $c = $this->newConversation();
        $line = __LINE__ + 2;
        try {
            $this->chat()->sendMessage($c['id'], ['sender_type' => 'customer', 'body' => str_repeat('x', 10001)]);
            self::fail('no exception');
        } catch (InvalidArgumentException $e) {
            self::assertSame('payload_too_large', $e->getErrorCode());
            self::assertSame(['field' => 'body', 'max' => 10000, 'length' => 10001], $e->getDetails());
            self::assertIsInt($e->getCode());
            self::assertGreaterThan(0, $e->getCode());
            self::assertNotSame('', $e->getMessage());
            self::assertSame(__FILE__, $e->getFile(), 'getFile() is the PHP caller');
            self::assertSame($line, $e->getLine(), 'getLine() is the line of the call');
            self::assertNull($e->getPrevious());
            $frames = $e->getTrace();
            self::assertSame('sendMessage', $frames[0]['function'] ?? null);
            self::assertSame(ChatManager::class, $frames[0]['class'] ?? null);
            self::assertStringContainsString('payload_too_large', (string) json_encode($e->getDetails()) . $e->getErrorCode());
            self::assertStringContainsString(InvalidArgumentException::class, (string) $e);
        }
    }

    public function testTheCodeIsStablePerErrorCode(): void
    {
        $c = $this->newConversation();
        $codes = [];
        $collect = function (callable $call) use (&$codes): void {
            try {
                $call();
                self::fail('no exception');
            } catch (ChatException $e) {
                $codes[$e->getErrorCode()][] = $e->getCode();
            }
        };
        $collect(fn () => $this->chat()->getConversation(987654321));
        $collect(fn () => $this->chat()->sendMessage(987654322, ['sender_type' => 'agent', 'body' => 'x']));
        $collect(fn () => $this->chat()->sendMessage($c['id'], ['sender_type' => 'robot', 'body' => 'x']));
        $collect(fn () => $this->chat()->getMessages($c['id'], ['limit' => 0]));
        $collect(fn () => $this->chat()->sendMessage($c['id'], ['sender_type' => 'agent', 'body' => str_repeat('x', 10001)]));
        $collect(fn () => ChatToken::verify('garbage', str_repeat('s', 32)));
        $collect(fn () => ChatToken::verify('a.b.c', str_repeat('s', 32)));

        self::assertSame(['not_found', 'invalid_argument', 'payload_too_large', 'signature_invalid'], array_keys($codes));
        foreach ($codes as $code => $ints) {
            self::assertCount(1, array_unique($ints), "getCode() differs between two $code errors");
            self::assertIsInt($ints[0]);
        }
        $distinct = array_map(static fn ($ints) => $ints[0], $codes);
        self::assertSame(array_values($distinct), array_values(array_unique($distinct)), 'each error code has its own integer');
    }

    public function testEveryReachableClassIsThrownWithItsCode(): void
    {
        $c = $this->newConversation();
        $this->expectChatError(fn () => $this->chat()->getConversation(987654321), NotFoundException::class, 'not_found');
        $this->expectChatError(fn () => $this->chat()->sendMessage($c['id'], []), InvalidArgumentException::class, 'invalid_argument');
        $this->chat()->closeConversation($c['id']);
        $e = $this->expectChatError(fn () => $this->chat()->sendMessage($c['id'], ['sender_type' => 'agent', 'body' => 'x']), ChatException::class, 'conflict');
        self::assertSame(ChatException::class, get_class($e));
        $this->expectChatError(fn () => ChatToken::verify('x.y.z', str_repeat('s', 32)), SignatureException::class, 'signature_invalid');

        // An unreachable database: StorageException, quickly, with the cause in the details.
        $dead = new ChatManager(['db' => ['host' => '127.0.0.1', 'port' => 1, 'user' => 'root', 'password' => '', 'name' => 'nothing', 'prefix' => 'x_']]);
        $t = microtime(true);
        $e = $this->expectChatError(fn () => $dead->migrate(), StorageException::class, 'storage_error');
        self::assertLessThan(15, microtime(true) - $t);
        self::assertNotSame('', $e->getMessage());
    }

    public function testConstructorValidatesTheConfiguration(): void
    {
        $bad = [
            'no db' => [],
            'db not an array' => ['db' => 'mysql://x'],
            'no database name' => ['db' => ['host' => '127.0.0.1']],
            'bad prefix' => ['db' => ['name' => 'x', 'prefix' => 'wp-; DROP TABLE x']],
            'long prefix' => ['db' => ['name' => 'x', 'prefix' => str_repeat('p', 33)]],
            'port out of range' => ['db' => ['name' => 'x', 'port' => 70000]],
            'port not a number' => ['db' => ['name' => 'x', 'port' => 'http']],
            'unknown platform' => ['db' => ['name' => 'x'], 'settings' => ['platform' => 'aol']],
            'settings not a map' => ['db' => ['name' => 'x'], 'settings' => 'x'],
        ];
        foreach ($bad as $label => $config) {
            try {
                new ChatManager($config);
                self::fail("$label: accepted");
            } catch (InvalidArgumentException $e) {
                self::assertSame('invalid_argument', $e->getErrorCode(), $label);
            }
        }
        // The constructor does not connect: a valid but unreachable configuration is fine.
        self::assertInstanceOf(ChatManager::class, new ChatManager(['db' => ['host' => '192.0.2.1', 'name' => 'x']]));
    }

    public function testPhpTypeErrorsStayTypeErrors(): void
    {
        $this->expectException(\TypeError::class);
        /** @phpstan-ignore-next-line deliberately wrong */
        $this->chat()->getConversation('not a number');
    }
}
