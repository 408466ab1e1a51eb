<?php
/**
 * Live Chat → Proactive: the rule builder. Lists the rules with their per-variant counts,
 * creates and edits them (type, conditions all/any, delay, priority, active, caps, message
 * variants, loader pre-filter), deletes them, and previews a decision for a sample visitor
 * (a dry run: nothing is counted). Plain forms posted to admin-post.php with nonces; the
 * rules and the decision are the extension's `ProactiveEngagement`.
 *
 * @package BookingX\Addons\LiveChat\WP
 */

namespace BookingX\Addons\LiveChat\WP\Admin;

use BookingX\Addons\LiveChat\WP\Chat_Service;
use BookingX\Addons\LiveChat\WP\Engagement;
use BookingX\Addons\LiveChat\WP\Roles;

defined( 'ABSPATH' ) || exit;

/**
 * The proactive rules screen.
 */
final class Triggers_Page {

	/** Menu slug. */
	public const SLUG = 'bkx-livechat-triggers';

	/** Nonce action of the forms. */
	private const NONCE = 'bkx_livechat_triggers';

	/** A sample visitor for the preview. */
	private const SAMPLE = '{"event": "time_on_page", "url": "https://example.com/book/?utm_source=newsletter", "device": "desktop", "language": "en", "visit_count": 2, "time_on_page": 45, "idle_seconds": 10, "booking_step": 2, "service_id": 7, "price": "40.00", "visitor_key": "sample-visitor-1"}';

	/**
	 * The request's chat service.
	 *
	 * @var Chat_Service
	 */
	private Chat_Service $chat;

	/**
	 * The screen.
	 *
	 * @param Chat_Service $chat The request's chat service.
	 */
	public function __construct( Chat_Service $chat ) {
		$this->chat = $chat;
	}

	/**
	 * Hooks in.
	 */
	public function register(): void {
		add_action( 'admin_menu', array( $this, 'add_menu' ), 20 );
		add_action( 'admin_post_bkx_livechat_trigger_save', array( $this, 'save' ) );
		add_action( 'admin_post_bkx_livechat_trigger_delete', array( $this, 'delete' ) );
	}

	/**
	 * Live Chat → Proactive, for chat managers.
	 */
	public function add_menu(): void {
		add_submenu_page(
			Settings_Page::SLUG,
			__( 'Proactive chat rules', 'bookingx-live-chat' ),
			__( 'Proactive', 'bookingx-live-chat' ),
			Roles::MANAGE_SETTINGS,
			self::SLUG,
			array( $this, 'render' )
		);
	}

	/**
	 * Back to the screen with a notice.
	 *
	 * @param array<string, string> $args Query arguments.
	 */
	private static function back( array $args ): void {
		wp_safe_redirect( add_query_arg( array_merge( array( 'page' => self::SLUG ), $args ), admin_url( 'admin.php' ) ) );
		exit;
	}

	/**
	 * Checks capability and nonce of a form post.
	 */
	private static function guard(): void {
		if ( ! current_user_can( Roles::MANAGE_SETTINGS ) ) {
			wp_die( esc_html__( 'You are not allowed to change proactive rules.', 'bookingx-live-chat' ), 403 );
		}
		check_admin_referer( self::NONCE );
	}

	/**
	 * A posted field, unslashed.
	 *
	 * @param string $key Field.
	 */
	private static function field( string $key ): string {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- guard() checked it.
		return isset( $_POST[ $key ] ) ? (string) wp_unslash( $_POST[ $key ] ) : '';
	}

	/**
	 * admin-post: create or update a rule (and the preview, which saves nothing).
	 */
	public function save(): void {
		self::guard();
		if ( '' !== self::field( 'preview' ) ) {
			$this->preview();
			return;
		}
		$conditions = json_decode( self::field( 'conditions' ), true );
		$pre        = array_filter(
			array(
				'path'   => sanitize_text_field( self::field( 'pre_path' ) ),
				'device' => sanitize_key( self::field( 'pre_device' ) ),
			)
		);
		$rule       = array(
			'name'          => sanitize_text_field( self::field( 'name' ) ),
			'trigger_type'  => sanitize_key( self::field( 'trigger_type' ) ),
			'message'       => sanitize_textarea_field( self::field( 'message' ) ),
			'variants'      => array_values( array_filter( array_map( 'trim', explode( "\n", sanitize_textarea_field( self::field( 'variants' ) ) ) ) ) ),
			'delay_seconds' => (int) self::field( 'delay_seconds' ),
			'priority'      => (int) self::field( 'priority' ),
			'is_active'     => '' !== self::field( 'is_active' ),
			'conditions'    => is_array( $conditions ) ? $conditions : array(),
			'caps'          => array(
				'per_session' => (int) self::field( 'cap_session' ),
				'per_day'     => (int) self::field( 'cap_day' ),
				'total'       => (int) self::field( 'cap_total' ),
			),
			'pre'           => $pre ? $pre : new \stdClass(),
		);
		$id = (int) self::field( 'id' );
		if ( $id > 0 ) {
			$rule['id'] = $id;
		}
		if ( '' !== trim( self::field( 'conditions' ) ) && ! is_array( $conditions ) ) {
			self::back( array( 'bkx_error' => rawurlencode( __( 'Conditions must be JSON: {"match": "all", "rules": [{"attribute": "url", "op": "contains", "value": "/book"}]}', 'bookingx-live-chat' ) ) ) );
		}
		try {
			$saved = Engagement::engine( $this->chat )->saveRule( $rule );
			Engagement::refresh_compact( $this->chat );
		} catch ( \Throwable $e ) {
			self::back( array( 'bkx_error' => rawurlencode( $e->getMessage() ) ) );
			return;
		}
		self::back(
			array(
				'bkx_saved' => '1',
				'edit'      => (string) $saved['id'],
			)
		);
	}

	/**
	 * The preview: a dry run for the posted sample visitor, shown on the screen.
	 */
	private function preview(): void {
		$visitor = json_decode( self::field( 'sample' ), true );
		if ( ! is_array( $visitor ) ) {
			self::back( array( 'bkx_error' => rawurlencode( __( 'The sample visitor must be a JSON object.', 'bookingx-live-chat' ) ) ) );
			return;
		}
		$id = (int) self::field( 'id' );
		try {
			$decision = Engagement::engine( $this->chat )->evaluate(
				$visitor,
				$id > 0 ? array( $id ) : array(),
				array(
					'dry_run'       => true,
					'agents_online' => '' !== self::field( 'agents_online' ),
					'open'          => '' !== self::field( 'open' ),
				)
			);
		} catch ( \Throwable $e ) {
			self::back( array( 'bkx_error' => rawurlencode( $e->getMessage() ) ) );
			return;
		}
		set_transient( 'bkx_livechat_preview_' . get_current_user_id(), array( $visitor, $decision ), 5 * MINUTE_IN_SECONDS );
		self::back(
			array(
				'bkx_preview' => '1',
				'edit'        => (string) $id,
			)
		);
	}

	/**
	 * admin-post: delete a rule.
	 */
	public function delete(): void {
		self::guard();
		try {
			Engagement::engine( $this->chat )->deleteRule( (int) self::field( 'id' ) );
			Engagement::refresh_compact( $this->chat );
		} catch ( \Throwable $e ) {
			self::back( array( 'bkx_error' => rawurlencode( $e->getMessage() ) ) );
			return;
		}
		self::back( array( 'bkx_deleted' => '1' ) );
	}

	/**
	 * The screen.
	 */
	public function render(): void {
		if ( ! current_user_can( Roles::MANAGE_SETTINGS ) ) {
			wp_die( esc_html__( 'You are not allowed to change proactive rules.', 'bookingx-live-chat' ), 403 );
		}
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- display only.
		$edit  = isset( $_GET['edit'] ) ? (int) $_GET['edit'] : 0;
		$error = isset( $_GET['bkx_error'] ) ? sanitize_text_field( rawurldecode( wp_unslash( $_GET['bkx_error'] ) ) ) : '';
		$saved = isset( $_GET['bkx_saved'] );
		// phpcs:enable
		try {
			$engine = Engagement::engine( $this->chat );
			$rules  = $engine->listRules( false );
		} catch ( \Throwable $e ) {
			echo '<div class="wrap"><h1>' . esc_html__( 'Proactive chat rules', 'bookingx-live-chat' ) . '</h1><div class="notice notice-error"><p>' . esc_html( $e->getMessage() ) . '</p></div></div>';
			return;
		}
		$current = null;
		foreach ( $rules as $r ) {
			if ( (int) $r['id'] === $edit ) {
				$current = $r;
			}
		}
		echo '<div class="wrap"><h1>' . esc_html__( 'Proactive chat rules', 'bookingx-live-chat' ) . '</h1>';
		if ( '' !== $error ) {
			echo '<div class="notice notice-error"><p>' . esc_html( $error ) . '</p></div>';
		}
		if ( $saved ) {
			echo '<div class="notice notice-success"><p>' . esc_html__( 'Rule saved.', 'bookingx-live-chat' ) . '</p></div>';
		}
		$this->render_list( $engine, $rules );
		$this->render_form( $current );
		$this->render_preview( $current );
		echo '</div>';
	}

	/**
	 * The rules with their counts per variant.
	 *
	 * @param \BookingX\Addons\LiveChat\ProactiveEngagement $engine Engine.
	 * @param array<int, array<string, mixed>>              $rules  Rules.
	 */
	private function render_list( $engine, array $rules ): void {
		echo '<table class="widefat striped bkx-trigger-list"><thead><tr>';
		foreach ( array( __( 'Rule', 'bookingx-live-chat' ), __( 'Type', 'bookingx-live-chat' ), __( 'Priority', 'bookingx-live-chat' ), __( 'Active', 'bookingx-live-chat' ), __( 'Per variant: offered / seen / accepted / chats / bookings', 'bookingx-live-chat' ), '' ) as $h ) {
			echo '<th>' . esc_html( $h ) . '</th>';
		}
		echo '</tr></thead><tbody>';
		if ( ! $rules ) {
			echo '<tr><td colspan="6">' . esc_html__( 'No rules yet. Create one below.', 'bookingx-live-chat' ) . '</td></tr>';
		}
		foreach ( $rules as $r ) {
			$stats = $engine->stats( (int) $r['id'] );
			$cells = array();
			foreach ( $stats['variants'] as $v ) {
				$cells[] = sprintf( '%s: %d / %d / %d / %d / %d', $v['variant'], $v['offered'], $v['impression'], $v['accept'], $v['chat_started'], $v['booking_created'] );
			}
			$edit_url = add_query_arg(
				array(
					'page' => self::SLUG,
					'edit' => (int) $r['id'],
				),
				admin_url( 'admin.php' )
			);
			echo '<tr><td><a href="' . esc_url( $edit_url ) . '">' . esc_html( $r['name'] ) . '</a></td><td>' . esc_html( $r['trigger_type'] ) . '</td><td>' . esc_html( (string) $r['priority'] ) . '</td><td>' . ( $r['is_active'] ? esc_html__( 'yes', 'bookingx-live-chat' ) : esc_html__( 'no', 'bookingx-live-chat' ) ) . '</td><td>' . esc_html( implode( ' · ', $cells ) ) . '</td><td>';
			echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" onsubmit="return confirm(\'' . esc_js( __( 'Delete this rule?', 'bookingx-live-chat' ) ) . '\')">';
			wp_nonce_field( self::NONCE );
			echo '<input type="hidden" name="action" value="bkx_livechat_trigger_delete" /><input type="hidden" name="id" value="' . esc_attr( (string) $r['id'] ) . '" />';
			echo '<button class="button-link-delete" type="submit">' . esc_html__( 'Delete', 'bookingx-live-chat' ) . '</button></form></td></tr>';
		}
		echo '</tbody></table>';
	}

	/**
	 * The create/edit form.
	 *
	 * @param array<string, mixed>|null $r The rule being edited.
	 */
	private function render_form( ?array $r ): void {
		$types = array(
			'time_on_page'        => __( 'Time on page', 'bookingx-live-chat' ),
			'booking_hesitation'  => __( 'Booking hesitation', 'bookingx-live-chat' ),
			'exit_intent'         => __( 'Exit intent', 'bookingx-live-chat' ),
			'page'                => __( 'Specific pages', 'bookingx-live-chat' ),
			'booking_abandonment' => __( 'Booking abandonment', 'bookingx-live-chat' ),
			'return_visitor'      => __( 'Return visitor', 'bookingx-live-chat' ),
			'custom'              => __( 'Custom rule', 'bookingx-live-chat' ),
		);
		$v     = static fn( string $k, $d = '' ) => null !== $r && isset( $r[ $k ] ) ? $r[ $k ] : $d;
		$caps  = (array) $v( 'caps', array( 'per_session' => 1, 'per_day' => 2, 'total' => 0 ) );
		$pre   = (array) $v( 'pre', array() );
		echo '<h2>' . ( null === $r ? esc_html__( 'New rule', 'bookingx-live-chat' ) : esc_html__( 'Edit rule', 'bookingx-live-chat' ) ) . '</h2>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" class="bkx-trigger-form">';
		wp_nonce_field( self::NONCE );
		echo '<input type="hidden" name="action" value="bkx_livechat_trigger_save" /><input type="hidden" name="id" value="' . esc_attr( (string) $v( 'id', 0 ) ) . '" />';
		echo '<table class="form-table">';
		printf( '<tr><th><label for="bkx-t-name">%s</label></th><td><input id="bkx-t-name" name="name" class="regular-text" required value="%s" /></td></tr>', esc_html__( 'Name', 'bookingx-live-chat' ), esc_attr( (string) $v( 'name' ) ) );
		echo '<tr><th><label for="bkx-t-type">' . esc_html__( 'Trigger', 'bookingx-live-chat' ) . '</label></th><td><select id="bkx-t-type" name="trigger_type">';
		foreach ( $types as $k => $label ) {
			printf( '<option value="%s" %s>%s</option>', esc_attr( $k ), selected( $v( 'trigger_type', 'time_on_page' ), $k, false ), esc_html( $label ) );
		}
		echo '</select></td></tr>';
		printf( '<tr><th><label for="bkx-t-message">%s</label></th><td><textarea id="bkx-t-message" name="message" rows="2" class="large-text" required>%s</textarea></td></tr>', esc_html__( 'Message (variant A)', 'bookingx-live-chat' ), esc_textarea( (string) $v( 'message' ) ) );
		printf( '<tr><th><label for="bkx-t-variants">%s</label></th><td><textarea id="bkx-t-variants" name="variants" rows="2" class="large-text">%s</textarea><p class="description">%s</p></td></tr>', esc_html__( 'Other variants', 'bookingx-live-chat' ), esc_textarea( implode( "\n", (array) $v( 'variants', array() ) ) ), esc_html__( 'One message per line (B, C, ...). Each visitor always sees the same variant.', 'bookingx-live-chat' ) );
		printf( '<tr><th><label for="bkx-t-delay">%s</label></th><td><input id="bkx-t-delay" type="number" min="0" name="delay_seconds" value="%d" /> <label for="bkx-t-priority">%s</label> <input id="bkx-t-priority" type="number" name="priority" value="%d" /> <label><input type="checkbox" name="is_active" value="1" %s /> %s</label></td></tr>', esc_html__( 'Delay (seconds)', 'bookingx-live-chat' ), (int) $v( 'delay_seconds', 0 ), esc_html__( 'Priority (lower first)', 'bookingx-live-chat' ), (int) $v( 'priority', 10 ), checked( (bool) $v( 'is_active', true ), true, false ), esc_html__( 'Active', 'bookingx-live-chat' ) );
		printf( '<tr><th>%s</th><td><label>%s <input type="number" min="0" name="cap_session" value="%d" class="small-text" /></label> <label>%s <input type="number" min="0" name="cap_day" value="%d" class="small-text" /></label> <label>%s <input type="number" min="0" name="cap_total" value="%d" class="small-text" /></label><p class="description">%s</p></td></tr>', esc_html__( 'Per visitor at most', 'bookingx-live-chat' ), esc_html__( 'per visit', 'bookingx-live-chat' ), (int) ( $caps['per_session'] ?? 1 ), esc_html__( 'per day', 'bookingx-live-chat' ), (int) ( $caps['per_day'] ?? 2 ), esc_html__( 'ever', 'bookingx-live-chat' ), (int) ( $caps['total'] ?? 0 ), esc_html__( '0 means no limit.', 'bookingx-live-chat' ) );
		printf( '<tr><th><label for="bkx-t-path">%s</label></th><td><input id="bkx-t-path" name="pre_path" value="%s" placeholder="/book" /> <select name="pre_device"><option value="">%s</option><option value="desktop" %s>%s</option><option value="mobile" %s>%s</option></select><p class="description">%s</p></td></tr>', esc_html__( 'Only on', 'bookingx-live-chat' ), esc_attr( (string) ( $pre['path'] ?? '' ) ), esc_html__( 'any device', 'bookingx-live-chat' ), selected( $pre['device'] ?? '', 'desktop', false ), esc_html__( 'desktop', 'bookingx-live-chat' ), selected( $pre['device'] ?? '', 'mobile', false ), esc_html__( 'mobile', 'bookingx-live-chat' ), esc_html__( 'Checked by the widget itself, before asking the server: a part of the page path, a device.', 'bookingx-live-chat' ) );
		$conditions = $v( 'conditions', array() );
		printf( '<tr><th><label for="bkx-t-conditions">%s</label></th><td><textarea id="bkx-t-conditions" name="conditions" rows="5" class="large-text code">%s</textarea><p class="description">%s</p></td></tr>', esc_html__( 'Conditions', 'bookingx-live-chat' ), esc_textarea( $conditions ? (string) wp_json_encode( $conditions, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES ) : '' ), esc_html__( 'All or any of: url, path, referrer, utm_source, utm_medium, utm_campaign, device, language, visit_count, returning, time_on_page, idle_seconds, booking_step, service_id, price — with equals, not_equals, contains, not_contains, starts_with, ends_with, matches (* wildcards), gt, gte, lt, lte, in.', 'bookingx-live-chat' ) );
		echo '</table>';
		submit_button( null === $r ? __( 'Create rule', 'bookingx-live-chat' ) : __( 'Save rule', 'bookingx-live-chat' ) );
		echo '</form>';
	}

	/**
	 * "Test against this sample visitor".
	 *
	 * @param array<string, mixed>|null $r The rule being edited (null: all active rules).
	 */
	private function render_preview( ?array $r ): void {
		$last   = get_transient( 'bkx_livechat_preview_' . get_current_user_id() );
		$sample = is_array( $last ) ? (string) wp_json_encode( $last[0], JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES ) : self::SAMPLE;
		echo '<h2>' . esc_html__( 'Test against a sample visitor', 'bookingx-live-chat' ) . '</h2>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" class="bkx-trigger-preview">';
		wp_nonce_field( self::NONCE );
		echo '<input type="hidden" name="action" value="bkx_livechat_trigger_save" /><input type="hidden" name="preview" value="1" /><input type="hidden" name="id" value="' . esc_attr( (string) ( $r['id'] ?? 0 ) ) . '" />';
		printf( '<p><textarea name="sample" rows="6" class="large-text code">%s</textarea></p>', esc_textarea( $sample ) );
		printf( '<p><label><input type="checkbox" name="agents_online" value="1" checked /> %s</label> <label><input type="checkbox" name="open" value="1" checked /> %s</label></p>', esc_html__( 'An agent is online', 'bookingx-live-chat' ), esc_html__( 'Inside business hours', 'bookingx-live-chat' ) );
		submit_button( null === $r ? __( 'Test all active rules', 'bookingx-live-chat' ) : __( 'Test this rule', 'bookingx-live-chat' ), 'secondary' );
		echo '</form>';
		if ( is_array( $last ) ) {
			$d = (array) $last[1];
			echo '<div class="notice notice-info inline bkx-preview-result"><p>';
			if ( ! empty( $d['show'] ) ) {
				/* translators: 1: rule id, 2: variant letter, 3: action, 4: message. */
				echo esc_html( sprintf( __( 'Shown: rule %1$d, variant %2$s, action %3$s — "%4$s" (nothing was counted).', 'bookingx-live-chat' ), (int) $d['rule_id'], (string) $d['variant'], (string) $d['action'], (string) $d['message'] ) );
			} else {
				/* translators: %s: reason code. */
				echo esc_html( sprintf( __( 'Not shown (%s).', 'bookingx-live-chat' ), (string) $d['reason'] ) );
			}
			echo '</p></div>';
		}
	}
}
