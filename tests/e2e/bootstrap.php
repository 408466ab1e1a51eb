<?php
/**
 * Bootstrap of the end-to-end suite: loads the helpers and checks the site once. A setup
 * problem (missing environment, site down, plugin inactive) makes every test fail.
 */

declare(strict_types=1);

require __DIR__ . '/lib/Response.php';
require __DIR__ . '/lib/HttpClient.php';
require __DIR__ . '/lib/Inertness.php';
require __DIR__ . '/lib/Env.php';
require __DIR__ . '/lib/E2ETestCase.php';
require __DIR__ . '/lib/UploadHelpers.php';
// The private clamd of the virus-scanning tests (shared with the extension's tests).
require dirname(__DIR__, 2) . '/php/tests/support/Clamd.php';

foreach (['curl', 'dom', 'json'] as $extension) {
    if (!extension_loaded($extension)) {
        fwrite(STDERR, "the end-to-end tests need the PHP extension {$extension}\n");
        exit(1);
    }
}

\BkxE2E\Env::init();
