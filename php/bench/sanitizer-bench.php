<?php
/**
 * Sanitiser benchmark: WordPress's wp_kses_post() against the extension's Sanitizer::clean()
 * on the same inputs, in one PHP process.
 *
 *   php -d extension=$PWD/target/release/libbkx_livechat.so php/bench/sanitizer-bench.php
 *
 * Environment:
 *   BKX_WP_PATH          WordPress to take kses from (default /usr/share/wordpress, Debian's
 *                        `wordpress` package)
 *   BKX_BENCH_RUNS       timed runs per input; the best is reported (default 5)
 *   BKX_BENCH_RUN_TIME   target duration of one run in seconds, which sets the iteration
 *                        count per input (default 0.2)
 *
 * How kses is loaded: no database and no site are needed. wp_kses_post() only needs the
 * hook API (wp-includes/plugin.php: apply_filters), formatting helpers
 * (wp-includes/formatting.php), wp_allowed_protocols() (wp-includes/functions.php, which
 * pulls in option.php but calls nothing from it at load time) and wp-includes/kses.php
 * itself. So the script defines ABSPATH and WPINC and requires those four files, which is
 * what wp-settings.php does first anyway. With no plugins loaded no filter is registered,
 * so kses runs with WordPress's default post policy.
 *
 * Both sanitisers get the same strings; their outputs differ on purpose (kses keeps images
 * and styles, the chat policy does not) — this measures cost, not equivalence.
 */

declare(strict_types=1);

use BookingX\Addons\LiveChat\Sanitizer;

if (!extension_loaded('bkx_livechat')) {
    fwrite(STDERR, "The bkx_livechat extension is not loaded.\n"
        . "Run: php -d extension=\$PWD/target/release/libbkx_livechat.so php/bench/sanitizer-bench.php\n");
    exit(1);
}

$wp = rtrim(getenv('BKX_WP_PATH') ?: '/usr/share/wordpress', '/') . '/';
if (!is_file($wp . 'wp-includes/kses.php')) {
    fwrite(STDERR, "WordPress not found in $wp (set BKX_WP_PATH to a WordPress directory).\n");
    exit(1);
}
define('ABSPATH', $wp);
define('WPINC', 'wp-includes');
require ABSPATH . WPINC . '/version.php';
require ABSPATH . WPINC . '/plugin.php';
require ABSPATH . WPINC . '/formatting.php';
require ABSPATH . WPINC . '/functions.php';
require ABSPATH . WPINC . '/kses.php';
if (!function_exists('wp_kses_post')) {
    fwrite(STDERR, "wp_kses_post() is not defined after loading kses.php\n");
    exit(1);
}

$runs = max(1, (int) (getenv('BKX_BENCH_RUNS') ?: 5));
$runTime = max(0.01, (float) (getenv('BKX_BENCH_RUN_TIME') ?: 0.2));

$markup = '<p>Hi <b>Anna</b>, your booking is confirmed. <a href="https://example.com/b/123">View it</a>, '
    . '<i>thanks</i>!</p><ul><li>Fri 10:30</li></ul><img src="https://example.com/a.png">';
$inputs = [
    'plain chat text with URL' => 'Hi! Can I book a deep tissue massage on Friday at 10:30? I saw the spring offer on https://example.com/offers/spa',
    'light markup (p,b,a,i,img,ul)' => $markup,
    'XSS mix (onerror, svg/script, javascript:, math)' => '<img src=x onerror=alert(1)>Hi<svg><script>alert(1)</script></svg>'
        . '<a href="javascript:alert(1)">click</a><math><mtext><style>x</style></mtext></math> ok',
    'markup x 60 (10 KB message)' => str_repeat($markup, 60),
];

$sanitisers = [
    'wp_kses_post' => static fn (string $s): string => wp_kses_post($s),
    'Sanitizer::clean' => static fn (string $s): string => Sanitizer::clean($s),
];

/** Seconds per call of $fn($input), best of $runs runs of $n calls. */
function best_of(callable $fn, string $input, int $n, int $runs): float
{
    $best = INF;
    for ($r = 0; $r < $runs; $r++) {
        $t = hrtime(true);
        for ($i = 0; $i < $n; $i++) {
            $fn($input);
        }
        $best = min($best, (hrtime(true) - $t) / 1e9 / $n);
    }
    return $best;
}

/** Iterations that take about $seconds (measured after a warm-up). */
function calibrate(callable $fn, string $input, float $seconds): int
{
    for ($i = 0; $i < 20; $i++) {
        $fn($input); // warm-up: caches, allocator, opcache
    }
    $n = 1;
    while (true) {
        $t = hrtime(true);
        for ($i = 0; $i < $n; $i++) {
            $fn($input);
        }
        $elapsed = (hrtime(true) - $t) / 1e9;
        if ($elapsed >= $seconds / 10 || $n >= 1_000_000) {
            return max(10, (int) ceil($n * $seconds / max($elapsed, 1e-9)));
        }
        $n *= 4;
    }
}

$module = 'unknown';
$maps = @file_get_contents('/proc/self/maps');
if (is_string($maps) && preg_match('~/target/(release|debug)/libbkx_livechat\.so$~m', $maps, $m)) {
    $module = $m[1] . ' build';
}

printf("Sanitiser benchmark: PHP %s, WordPress %s kses, bkx_livechat %s (%s)\n",
    PHP_VERSION, $GLOBALS['wp_version'] ?? '?', phpversion('bkx_livechat') ?: '?', $module);
printf("best of %d runs of ~%.2f s each per input and sanitiser\n\n", $runs, $runTime);

$rows = [];
foreach ($inputs as $label => $input) {
    $us = [];
    foreach ($sanitisers as $name => $fn) {
        if (!is_string($fn($input))) {
            fwrite(STDERR, "$name did not return a string for '$label'\n");
            exit(1);
        }
        $n = calibrate($fn, $input, $runTime);
        $us[$name] = best_of($fn, $input, $n, $runs) * 1e6;
    }
    $rows[] = [$label, strlen($input), $us['wp_kses_post'], $us['Sanitizer::clean'], $us['wp_kses_post'] / $us['Sanitizer::clean']];
}

$w = max(array_map(static fn ($r) => strlen($r[0]), $rows));
$line = str_repeat('-', $w) . '  -------  --------------------  ------------------------  ------------------';
printf("%-{$w}s  %7s  %20s  %24s  %18s\n", 'input', 'bytes', 'wp_kses_post µs/op', 'Sanitizer::clean µs/op', 'ratio (kses/clean)');
echo $line, "\n";
foreach ($rows as [$label, $bytes, $kses, $clean, $ratio]) {
    printf("%-{$w}s  %7d  %20.2f  %24.2f  %17.2fx\n", $label, $bytes, $kses, $clean, $ratio);
}
exit(0);
