<?php
/**
 * PHPUnit bootstrap of the extension's tests. It refuses to run (throws) when the extension
 * is not loaded or the test database is unreachable: these tests never skip silently.
 *
 * Run from the repository root:
 *   php -d extension=$PWD/target/release/libbkx_livechat.so /usr/bin/phpunit -c php/tests
 * (or `make test`, which loads the freshly built module the same way).
 */

declare(strict_types=1);

if (!extension_loaded('bkx_livechat')) {
    throw new RuntimeException(
        'The bkx_livechat extension is not loaded. Build it (cargo build --release) and run '
        . 'php -d extension=$PWD/target/release/libbkx_livechat.so /usr/bin/phpunit -c php/tests '
        . '(or scripts/php-ext.sh --tool phpunit -c php/tests).'
    );
}

require_once __DIR__ . '/support/TestDb.php';
require_once __DIR__ . '/support/InertHtml.php';
require_once __DIR__ . '/support/ChatTestCase.php';
require_once __DIR__ . '/support/Clamd.php';

TestDb::bootstrap();
