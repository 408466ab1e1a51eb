<?php
/**
 * Availability over 30 days for 20 resources: the chat (BookingX_Provider::catalog +
 * BookingAssistant::availability) against BookingX's own PHP computation of the same days.
 * Run by run.sh inside a WordPress with BookingX (real or fixture) and the chat plugin active.
 *
 *   php bench.php <wordpress-dir> <site-url>
 */

declare(strict_types=1);

use BookingX\Addons\LiveChat\WP\Booking\BookingX_Provider;
use BookingX\Addons\LiveChat\WP\Chat_Service;
use BookingX\Addons\LiveChat\BookingAssistant;

if (PHP_SAPI !== 'cli' || $argc < 3) {
    fwrite(STDERR, "usage: php bench.php <wordpress-dir> <site-url>\n");
    exit(2);
}
[, $wpDir, $siteUrl] = $argv;
$parts = parse_url($siteUrl);
$_SERVER['HTTP_HOST'] = $parts['host'] . ':' . $parts['port'];
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';
require rtrim($wpDir, '/') . '/wp-load.php';
add_filter('pre_wp_mail', '__return_true');
// BookingX 1.1.2 on PHP 8 warns on every closed day and deprecates strftime(): errors only.
error_reporting(E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR | E_RECOVERABLE_ERROR);

if (!BookingX_Provider::detect() || !class_exists(BookingAssistant::class)) {
    fwrite(STDERR, "error: BookingX or the extension's BookingAssistant is missing\n");
    exit(1);
}
$real = !is_file(WP_PLUGIN_DIR . '/bookingx/includes/class-fixture-routes.php');
wp_set_current_user(1);

const RESOURCES = 20;
const DAYS = 30;

// The data: business days Mon-Sat 8:00-18:00, 20 resources (every fourth with its own
// hours), one 45-minute service with a 15-minute extra, two bookings per resource and day.
update_option('timezone_string', 'Europe/Berlin');
update_option('bkx_business_days', [
    'selected_days_1' => ['days' => ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'], 'time' => ['open' => '8:00 AM', 'close' => '6:00 PM']],
    'selected_days_2' => ['days' => ['Saturday'], 'time' => ['open' => '9:00 AM', 'close' => '1:00 PM']],
]);
update_option('bkx_biz_pub_holiday', []);
$seats = [];
for ($i = 1; $i <= RESOURCES; $i++) {
    $id = wp_insert_post(['post_type' => 'bkx_seat', 'post_title' => "Resource $i", 'post_status' => 'publish']);
    if (0 === $i % 4) {
        update_post_meta($id, 'seat_is_certain_day', 'Y');
        update_post_meta($id, 'selected_days', ['selected_days_1' => ['days' => ['Monday', 'Wednesday', 'Friday', 'Sunday'], 'time' => ['open' => '10:00 AM', 'close' => '8:00 PM']]]);
    }
    $seats[] = $id;
}
$base = wp_insert_post(['post_type' => 'bkx_base', 'post_title' => 'Treatment', 'post_status' => 'publish']);
foreach (['base_price' => '60', 'base_time_option' => 'H', 'base_hours' => '0', 'base_minutes' => '45', 'base_selected_seats' => array_map('strval', $seats)] as $k => $v) {
    update_post_meta($base, $k, $v);
}
$extra = wp_insert_post(['post_type' => 'bkx_addition', 'post_title' => 'Add-on', 'post_status' => 'publish']);
foreach (['addition_price' => '9', 'addition_time_option' => 'H', 'addition_hours' => '0', 'addition_minutes' => '15', 'extra_selected_base' => [(string) $base]] as $k => $v) {
    update_post_meta($extra, $k, $v);
}
$tz = wp_timezone();
$first = (new DateTimeImmutable('tomorrow', $tz))->modify('+1 day');
$dates = [];
for ($d = 0; $d < DAYS; $d++) {
    $dates[] = $first->modify("+$d day")->format('Y-m-d');
}
$booking = new BkxBooking();
$made = 0;
foreach ($seats as $n => $seat) {
    foreach ($dates as $d => $date) {
        foreach (['10:00', '14:30'] as $k => $time) {
            if (($n + $d + $k) % 3 === 0) {
                continue; // Not every resource is busy every day.
            }
            $form = ['seat_id' => (string) $seat, 'base_id' => (string) $base, 'extra_id' => '', 'service_extend' => '0',
                'date' => $date, 'booking_time' => $time, 'time_option' => 'H', 'bkx_first_name' => 'Bench',
                'bkx_last_name' => 'Customer', 'bkx_phone_number' => '1', 'bkx_email_address' => 'bench@example.test',
                'last_page_url' => home_url('/')];
            $_POST = $form;
            $booking->generate_order($form, null, false);
            $made++;
        }
    }
}
$_POST = [];
wp_cache_flush();
fprintf(STDERR, "  data: %d resources, %d days, %d bookings; BookingX %s (%s)\n", RESOURCES, DAYS, $made, BKX_PLUGIN_VER, $real ? 'real plugin' : 'test fixture');

// The chat: catalog gathering (PHP, WordPress queries) + BookingAssistant (Rust).
$provider = new BookingX_Provider();
$assistant = new BookingAssistant((new Chat_Service())->config());
$query = ['service_id' => $base, 'resource_id' => 'any', 'extras' => [$extra], 'extension' => 0,
    'date_from' => $dates[0], 'date_to' => $dates[DAYS - 1]];
$scope = ['service_id' => $base, 'date_from' => $dates[0], 'date_to' => $dates[DAYS - 1]];
$runs = max(3, (int) (getenv('BKX_BENCH_RUNS') ?: 50));
$catalogTimes = $assistantTimes = [];
$result = null;
for ($r = 0; $r < $runs; $r++) {
    wp_cache_flush();
    $t0 = hrtime(true);
    $catalog = $provider->catalog($scope);
    // The previous run's answer (1 118 slot arrays) is freed here, outside the timed call.
    $result = null;
    $t1 = hrtime(true);
    $result = $assistant->availability($catalog, $query);
    $t2 = hrtime(true);
    $catalogTimes[] = ($t1 - $t0) / 1e6;
    $assistantTimes[] = ($t2 - $t1) / 1e6;
}
$median = static function (array $xs): float {
    sort($xs);
    $n = count($xs);
    return $n % 2 ? $xs[intdiv($n, 2)] : ($xs[$n / 2 - 1] + $xs[$n / 2]) / 2;
};
// BookingX's own computation of the same days: the day's slots for every resource, then its
// slot check for every open start (what its booking form and booking call do). It costs
// seconds per resource, so it runs on BKX_BENCH_BOOKINGX_RESOURCES of the 20 (default 2,
// all with 20) and is scaled to 20; the free start times of those resources are compared
// with the chat's answer for each of them.
$sample = max(1, min(RESOURCES, (int) (getenv('BKX_BENCH_BOOKINGX_RESOURCES') ?: 2)));
wp_cache_flush();
$t0 = hrtime(true);
$bkx = [];
$checks = 0;
foreach (array_slice($seats, 0, $sample) as $seat) {
    foreach ($dates as $date) {
        $args = ['seat_id' => (string) $seat, 'base_id' => (string) $base, 'extra_ids' => [(string) $extra], 'service_extend' => '0', 'booking_date' => $date];
        $display = $booking->get_display_availability_slots($args);
        if (!is_array($display) || !is_array($display['range'])) {
            continue;
        }
        foreach ($display['range'] as $slot) {
            if (in_array($slot, $display['booked_slots'])) {
                continue;
            }
            $time = sprintf('%02d:%02d', intdiv(($slot - 1) * 15, 60), (($slot - 1) * 15) % 60);
            $checks++;
            $answer = $booking->get_verify_slot($args + ['date' => $date, 'time' => $time, 'slot' => (string) $slot], false);
            if ('NORF' !== $answer) {
                $bkx["$seat $date $time"] = true;
            }
        }
    }
}
$bookingxSampleMs = (hrtime(true) - $t0) / 1e6;
$bookingxMs = $bookingxSampleMs * RESOURCES / $sample;

// The chat's answer for the same resources, one by one (not timed).
$ours = [];
$catalog = $provider->catalog($scope);
foreach (array_slice($seats, 0, $sample) as $seat) {
    foreach ($assistant->availability($catalog, ['resource_id' => $seat] + $query)['slots'] as $slot) {
        $start = (new DateTimeImmutable($slot['start']))->setTimezone($tz);
        $ours[$seat . ' ' . $start->format('Y-m-d H:i')] = true;
    }
}
$now = new DateTimeImmutable('now', $tz);
$bkx = array_filter($bkx, static fn($v, string $k): bool => new DateTimeImmutable(substr($k, strpos($k, ' ') + 1), $tz) > $now, ARRAY_FILTER_USE_BOTH);
ksort($bkx);
ksort($ours);
$agree = array_keys($bkx) === array_keys($ours);
$assistantMs = $median($assistantTimes);
$catalogMs = $median($catalogTimes);
printf("\nAvailability, %d days x %d resources, any resource (%d start times free)\n", DAYS, RESOURCES, count($result['slots']));
printf("  %-56s %10.2f ms  (median of %d)\n", 'chat: BookingAssistant::availability (Rust)', $assistantMs, $runs);
printf("  %-56s %10.2f ms\n", 'chat: catalog from BookingX storage (PHP)', $catalogMs);
printf("  %-56s %10.2f ms\n", 'chat: total', $assistantMs + $catalogMs);
printf("  %-56s %10.2f ms  (%d resources measured: %.0f ms, %d slot checks; x%.1f)\n", 'BookingX ' . ($real ? '(real)' : '(fixture)') . ': display slots + get_verify_slot', $bookingxMs, $sample, $bookingxSampleMs, $checks, RESOURCES / $sample);
printf("  ratio BookingX / chat total: %.0fx;  BookingX / BookingAssistant: %.0fx\n", $bookingxMs / max(0.001, $assistantMs + $catalogMs), $bookingxMs / max(0.001, $assistantMs));
printf("  target BookingAssistant < 5 ms: %s;  same free start times as BookingX (%d resources, %d starts): %s\n", $assistantMs < 5 ? 'met' : 'MISSED', $sample, count($bkx), $agree ? 'yes' : 'NO');
echo 'BENCH_JSON ' . json_encode([
    'bench' => 'booking_availability', 'days' => DAYS, 'resources' => RESOURCES, 'bookings' => $made,
    'bookingx' => $real ? 'real' : 'fixture', 'assistant_ms' => round($assistantMs, 3), 'catalog_ms' => round($catalogMs, 3),
    'bookingx_ms' => round($bookingxMs, 1), 'bookingx_resources_measured' => $sample, 'bookingx_slot_checks' => $checks,
    'free_starts' => count($result['slots']), 'agree' => $agree,
]) . "\n";
exit($agree ? 0 : 1);
