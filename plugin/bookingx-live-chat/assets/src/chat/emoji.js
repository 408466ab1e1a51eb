/**
 * A small built-in emoji set: the picker shows PICKER, `:shortcode:` in a message becomes
 * the emoji (GitHub/Slack names, so what people already type works).
 */
export const EMOJI = {
	smile: '😄', smiley: '😃', grin: '😁', laughing: '😆', joy: '😂', wink: '😉', blush: '😊',
	slightly_smiling_face: '🙂', upside_down_face: '🙃', heart_eyes: '😍', kissing_heart: '😘',
	sunglasses: '😎', thinking: '🤔', neutral_face: '😐', confused: '😕', worried: '😟',
	cry: '😢', sob: '😭', scream: '😱', angry: '😠', sweat_smile: '😅', relieved: '😌',
	wave: '👋', thumbsup: '👍', '+1': '👍', thumbsdown: '👎', '-1': '👎', ok_hand: '👌',
	clap: '👏', pray: '🙏', raised_hands: '🙌', muscle: '💪', eyes: '👀', heart: '❤️',
	tada: '🎉', fire: '🔥', star: '⭐', sparkles: '✨', rocket: '🚀', '100': '💯',
	white_check_mark: '✅', check: '✅', x: '❌', question: '❓', exclamation: '❗',
	calendar: '📅', clock: '🕐', hourglass: '⌛', coffee: '☕', gift: '🎁', moneybag: '💰',
	haircut: '💇', massage: '💆', nail_care: '💅', scissors: '✂️', car: '🚗', house: '🏠',
};

/** What the picker offers, in order. */
export const PICKER = [
	'smile', 'grin', 'joy', 'wink', 'blush', 'heart_eyes', 'sunglasses', 'thinking',
	'slightly_smiling_face', 'sweat_smile', 'confused', 'cry', 'wave', 'thumbsup', 'thumbsdown', 'ok_hand',
	'clap', 'pray', 'raised_hands', 'muscle', 'heart', 'tada', 'fire', 'sparkles',
	'star', 'white_check_mark', 'x', 'question', 'calendar', 'clock', 'coffee', 'gift',
];

const SHORTCODE = /:([a-z0-9_+-]{1,32}):/g;

/** Replaces known `:shortcodes:` with their emoji; unknown ones stay as typed. */
export function replaceShortcodes(text) {
	return text.replace(SHORTCODE, (m, name) => EMOJI[name] || m);
}
