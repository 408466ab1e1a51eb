<?php

declare(strict_types=1);

use PHPUnit\Framework\TestCase;

/**
 * stubs/bkx_livechat.stubs.php is generated from the module by scripts/gen-stubs.php; this
 * test regenerates it with the module loaded in this process and fails when the committed
 * file is out of date.
 */
final class StubsTest extends TestCase
{
    private const ROOT = __DIR__ . '/../..';

    /** The file the module was loaded from (Linux: the process's memory map). */
    private static function modulePath(): ?string
    {
        $maps = @file_get_contents('/proc/self/maps');
        if (is_string($maps) && preg_match('~\s(/\S*libbkx_livechat\.so)$~m', $maps, $m)) {
            return $m[1];
        }
        foreach (['release', 'debug'] as $profile) {
            $candidate = self::ROOT . "/target/$profile/libbkx_livechat.so";
            if (is_file($candidate)) {
                return realpath($candidate) ?: $candidate;
            }
        }
        return null;
    }

    /** @return array{0: int, 1: string, 2: string} exit code, stdout, stderr */
    private static function php(array $args): array
    {
        $proc = proc_open(array_merge([PHP_BINARY], $args), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, self::ROOT);
        self::assertIsResource($proc, 'cannot start ' . PHP_BINARY);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        return [proc_close($proc), (string) $out, (string) $err];
    }

    /** The PHP options that load the same module in a child process. */
    private static function moduleArgs(): array
    {
        // The module may come from the inherited ini (PHP_INI_SCAN_DIR) or from -d on our command line.
        [, $loaded] = self::php(['-r', 'echo extension_loaded("bkx_livechat") ? "yes" : "no";']);
        if ($loaded === 'yes') {
            return [];
        }
        $path = self::modulePath();
        self::assertNotNull($path, 'cannot tell which libbkx_livechat.so this process loaded');
        return ['-d', 'extension=' . $path];
    }

    public function testCommittedStubsMatchTheModule(): void
    {
        $committed = self::ROOT . '/stubs/bkx_livechat.stubs.php';
        self::assertFileExists($committed, 'stubs/bkx_livechat.stubs.php is missing: run `make stubs` and commit it');

        [$code, $out, $err] = self::php(array_merge(self::moduleArgs(), ['-d', 'display_errors=stderr', 'scripts/gen-stubs.php']));
        self::assertSame(0, $code, "scripts/gen-stubs.php failed:\n$err");
        self::assertSame('', $err, 'scripts/gen-stubs.php wrote to stderr');
        self::assertStringStartsWith("<?php\n", $out);

        $tmp = tempnam(sys_get_temp_dir(), 'bkx-stubs-');
        try {
            file_put_contents($tmp, $out);
            self::assertFileEquals(
                $committed,
                $tmp,
                'stubs/bkx_livechat.stubs.php is out of date with the module: run `make stubs` and commit the result'
            );
        } finally {
            @unlink($tmp);
        }
    }

    public function testGeneratorWritesToAFileWhenGivenOne(): void
    {
        $tmp = tempnam(sys_get_temp_dir(), 'bkx-stubs-');
        try {
            [$code, $out, $err] = self::php(array_merge(self::moduleArgs(), ['scripts/gen-stubs.php', $tmp]));
            self::assertSame(0, $code, $err);
            self::assertSame('', $out);
            self::assertFileEquals(self::ROOT . '/stubs/bkx_livechat.stubs.php', $tmp, 'run `make stubs`');
        } finally {
            @unlink($tmp);
        }
    }

    public function testStubsAreValidPhpAndDescribeTheApi(): void
    {
        $file = self::ROOT . '/stubs/bkx_livechat.stubs.php';
        // Lint without the module (the stubs declare the same classes).
        [$code, $out] = self::php(['-n', '-l', $file]);
        self::assertSame(0, $code, $out);

        $src = (string) file_get_contents($file);
        self::assertStringContainsString('Generated from the bkx_livechat extension by scripts/gen-stubs.php — do not edit; run `make stubs`.', $src);
        self::assertStringContainsString('namespace BookingX\Addons\LiveChat {', $src);
        self::assertStringContainsString('class ChatException extends \Exception', $src);
        self::assertStringContainsString('class NotFoundException extends \BookingX\Addons\LiveChat\ChatException', $src);
        self::assertStringContainsString('public static function issue(array $claims, string $secret, int $ttl = 900): array {}', $src);
        self::assertStringContainsString('public function getMessages(int $', $src);
        self::assertMatchesRegularExpression('/public function rateConversation\(int \$\w+, int \$rating, \?string \$comment = null\): array \{\}/', $src);
        self::assertStringNotContainsString((string) realpath(self::ROOT), $src, 'the stubs contain a path of this checkout');

        // Every class and public method of the module is in the stubs.
        foreach ((new ReflectionExtension('bkx_livechat'))->getClasses() as $class) {
            self::assertMatchesRegularExpression('/\\b(class|interface) ' . preg_quote($class->getShortName(), '/') . '\\b/', $src);
            foreach ($class->getMethods() as $m) {
                if ($m->getDeclaringClass()->getName() === $class->getName()) {
                    self::assertStringContainsString('function ' . $m->getName() . '(', $src, $class->getName() . '::' . $m->getName());
                }
            }
        }
    }
}
