<?php
/**
 * Sanitiser conformance against DOMPurify's test payloads.
 *
 *   php -d extension=$PWD/target/release/libbkx_livechat.so php/conformance/run.php <shared-ref-dir> [-v]
 *
 * Reads <shared-ref-dir>/corpora/dompurify/expect.mjs in place (DOMPurify's test fixtures,
 * Apache-2.0 OR MPL-2.0; they are not part of this repository), runs Sanitizer::clean() on
 * every case's `payload` and checks that nothing executable survives, with the same rules as
 * the PHPUnit stored-XSS test (php/tests/support/InertHtml.php): only the chat allow-list of
 * elements, only a@href and a@rel, hrefs with http/https/mailto only, rel exactly
 * "nofollow noopener noreferrer", no comments or other markup. It also checks that cleaning
 * the output again changes nothing. The outputs are NOT compared with DOMPurify's `expected`
 * values: DOMPurify's policy (SVG, MathML, styles, data attributes...) is much wider than the
 * chat's.
 *
 * The last line is "N passed, M failed". Exit status: 0 all passed, 1 failures, 2 usage or
 * input errors. Vendor OpenAPI documents under <shared-ref-dir>/openapi/ are not used here.
 */

declare(strict_types=1);

use BookingX\Addons\LiveChat\Sanitizer;

const CORPUS = 'corpora/dompurify/expect.mjs';

function usage_error(string $message): never
{
    fwrite(STDERR, "run.php: $message\n");
    fwrite(STDERR, "usage: php -d extension=/path/to/libbkx_livechat.so php/conformance/run.php <shared-ref-dir> [-v]\n");
    exit(2);
}

/**
 * Converts a JavaScript array/object literal (as found in a fixtures module) to JSON: keeps
 * strings (double- or single-quoted, with JS escapes), quotes bare keys, drops comments and
 * trailing commas. Enough for data modules; not a JavaScript parser.
 */
function js_literal_to_json(string $js): string
{
    $out = '';
    $n = strlen($js);
    for ($i = 0; $i < $n; $i++) {
        $c = $js[$i];
        if ($c === '"' || $c === "'") {
            $quote = $c;
            $str = '';
            for ($i++; $i < $n && $js[$i] !== $quote; $i++) {
                if ($js[$i] === '\\' && $i + 1 < $n) {
                    $e = $js[++$i];
                    switch ($e) {
                        case 'x':
                            $str .= '\\u00' . substr($js, $i + 1, 2);
                            $i += 2;
                            break;
                        case "'":
                            $str .= "'";
                            break;
                        case "\n":
                            break; // line continuation
                        case 'v':
                            $str .= '\\u000b';
                            break;
                        case '0':
                            $str .= '\\u0000';
                            break;
                        default:
                            $str .= '\\' . $e;
                    }
                } elseif ($js[$i] === '"') {
                    $str .= '\\"';
                } else {
                    $str .= $js[$i];
                }
            }
            $out .= '"' . $str . '"';
            continue;
        }
        if ($c === '/' && ($js[$i + 1] ?? '') === '/') {
            $end = strpos($js, "\n", $i);
            $i = $end === false ? $n : $end - 1;
            continue;
        }
        if ($c === '/' && ($js[$i + 1] ?? '') === '*') {
            $end = strpos($js, '*/', $i + 2);
            $i = $end === false ? $n : $end + 1;
            continue;
        }
        if ($c === ',') {
            // A trailing comma: the next significant character closes the array/object.
            $j = $i + 1;
            while ($j < $n && ctype_space($js[$j])) {
                $j++;
            }
            if ($j < $n && ($js[$j] === ']' || $js[$j] === '}')) {
                continue;
            }
        }
        if (ctype_alpha($c) || $c === '_' || $c === '$') {
            // A bare identifier: quote it when it is a key; keep true/false/null.
            $j = $i;
            while ($j < $n && (ctype_alnum($js[$j]) || $js[$j] === '_' || $js[$j] === '$')) {
                $j++;
            }
            $word = substr($js, $i, $j - $i);
            $k = $j;
            while ($k < $n && ctype_space($js[$k])) {
                $k++;
            }
            $out .= ($k < $n && $js[$k] === ':') ? '"' . $word . '"' : $word;
            $i = $j - 1;
            continue;
        }
        $out .= $c;
    }
    return $out;
}

/** @return list<array{title: string, payload: string}> */
function load_cases(string $file): array
{
    $src = file_get_contents($file);
    if ($src === false) {
        usage_error("cannot read $file");
    }
    $start = strpos($src, '[');
    $end = strrpos($src, ']');
    if ($start === false || $end === false || $end < $start) {
        usage_error("$file does not contain an array literal");
    }
    $data = json_decode(js_literal_to_json(substr($src, $start, $end - $start + 1)), true);

    $cases = [];
    if (is_array($data)) {
        foreach ($data as $i => $case) {
            if (is_array($case) && isset($case['payload']) && is_string($case['payload'])) {
                $cases[] = ['title' => is_string($case['title'] ?? null) ? $case['title'] : "case $i", 'payload' => $case['payload']];
            }
        }
    }
    // Fallback when the module is not a plain literal: pick the "payload" strings directly.
    if ($cases === []) {
        preg_match_all('/["\']?payload["\']?\s*:\s*("(?:[^"\\\\]|\\\\.)*")/s', $src, $m);
        foreach ($m[1] as $i => $literal) {
            $payload = json_decode($literal);
            if (is_string($payload)) {
                $cases[] = ['title' => "payload $i", 'payload' => $payload];
            }
        }
    }
    if ($cases === []) {
        usage_error("no test cases with a string payload found in $file");
    }
    return $cases;
}

$args = array_slice($argv, 1);
$verbose = in_array('-v', $args, true) || in_array('--verbose', $args, true);
$args = array_values(array_filter($args, static fn ($a) => $a !== '-v' && $a !== '--verbose'));
if (count($args) !== 1) {
    usage_error('expected exactly one argument, the shared reference directory');
}
$dir = rtrim($args[0], '/');
if (!is_dir($dir)) {
    usage_error("the shared reference directory '$dir' does not exist");
}
$file = "$dir/" . CORPUS;
if (!is_file($file)) {
    usage_error("'$dir' has no " . CORPUS . ' (is it the shared reference directory?)');
}
if (!extension_loaded('bkx_livechat')) {
    usage_error('the bkx_livechat extension is not loaded');
}
require_once __DIR__ . '/../tests/support/InertHtml.php';

$cases = load_cases($file);
printf("Sanitizer::clean() against %d DOMPurify payloads (%s)\n", count($cases), CORPUS);

$passed = 0;
$failed = 0;
$oneLine = static fn (string $s, int $max = 160): string => mb_strimwidth(
    str_replace(["\r", "\n"], ['\r', '\n'], $s),
    0,
    $max,
    '…'
);
foreach ($cases as $i => $case) {
    $problems = [];
    try {
        $clean = Sanitizer::clean($case['payload']);
        $problems = InertHtml::violations($clean);
        if ($problems === [] && Sanitizer::clean($clean) !== $clean) {
            $problems[] = 'not stable: cleaning the output again changes it';
        }
    } catch (Throwable $e) {
        $clean = '';
        $problems[] = get_class($e) . ': ' . $e->getMessage();
    }
    if ($problems === []) {
        $passed++;
        if ($verbose) {
            printf("ok   %3d %s\n", $i + 1, $oneLine($case['title'], 100));
        }
        continue;
    }
    $failed++;
    printf("FAIL %3d %s\n", $i + 1, $oneLine($case['title'], 100));
    printf("         payload: %s\n", $oneLine($case['payload']));
    printf("         output:  %s\n", $oneLine($clean));
    foreach (array_unique($problems) as $p) {
        printf("         - %s\n", $p);
    }
}

printf("%d passed, %d failed\n", $passed, $failed);
exit($failed === 0 ? 0 : 1);
