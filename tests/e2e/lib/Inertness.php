<?php
/**
 * Decides whether a stored chat body is inert HTML: nothing in it can run script, load an
 * active document, submit a form or restyle the page when a browser renders it.
 *
 * Two independent views, because either alone can be fooled:
 * - a DOM view (DOMDocument): every element and attribute as an HTML parser builds them,
 *   with entities decoded — forbidden elements, event-handler and style attributes, and
 *   URL attributes whose scheme is not http(s)/mailto/relative;
 * - a raw view of the text: `<script` anywhere, forbidden tag openers, and event-handler
 *   attributes inside tags found by a quote-aware tag scanner.
 */

declare(strict_types=1);

namespace BkxE2E;

final class Inertness
{
    /** Elements that must never appear in a chat body. */
    public const FORBIDDEN_TAGS = [
        'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'param',
        'svg', 'math', 'style', 'link', 'meta', 'base', 'form', 'input', 'button',
        'textarea', 'select', 'option', 'isindex', 'keygen', 'template', 'noscript',
        'noembed', 'noframes', 'xmp', 'plaintext', 'portal', 'foreignobject', 'animate',
        'set', 'use', 'image', 'video', 'audio', 'source', 'track', 'html', 'head', 'body',
        'title', 'marquee', 'bgsound', 'layer', 'ilayer', 'xml', 'import',
    ];

    /** Attributes holding URLs. */
    public const URL_ATTRIBUTES = [
        'href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'background', 'poster',
        'lowsrc', 'dynsrc', 'codebase', 'cite', 'longdesc', 'usemap', 'manifest', 'ping',
        'icon', 'profile', 'classid', 'archive', 'code', 'srcset', 'to', 'from', 'values',
    ];

    /** Schemes a URL may have (no scheme — a relative URL — is fine too). */
    public const SAFE_SCHEMES = ['http', 'https', 'mailto'];

    /**
     * Every problem found (empty when inert).
     *
     * @return list<string>
     */
    public static function problems(string $html): array
    {
        return array_values(array_unique(array_merge(self::rawProblems($html), self::domProblems($html))));
    }

    /** @return list<string> */
    public static function rawProblems(string $html): array
    {
        $problems = [];
        if (preg_match('/<\s*script/i', $html)) {
            $problems[] = 'raw text contains "<script"';
        }
        $tags = implode('|', array_map(static fn(string $t): string => preg_quote($t, '/'), self::FORBIDDEN_TAGS));
        if (preg_match('/<\s*\/?\s*(' . $tags . ')(?=[\s\/>]|$)/i', $html, $m)) {
            $problems[] = sprintf('raw text contains a <%s> tag', strtolower($m[1]));
        }
        foreach (self::scanTags($html) as $tag) {
            // Attribute names are looked for outside quoted values ("a onclick=b" inside a
            // title is text); URL schemes anywhere, since values are where URLs live.
            if (preg_match('/(?:^|[\s\/"\'])on[a-z]+\s*=/i', $tag['names'])) {
                $problems[] = sprintf('raw tag <%s> has an event-handler attribute', $tag['name']);
            }
            if (preg_match('/(?:^|[\s\/"\'])style\s*=/i', $tag['names'])) {
                $problems[] = sprintf('raw tag <%s> has a style attribute', $tag['name']);
            }
            $decoded = preg_replace('/[\x00-\x20]+/', '', html_entity_decode($tag['attributes'], ENT_QUOTES | ENT_HTML5, 'UTF-8'));
            if (preg_match('/(javascript|vbscript|livescript|data):/i', (string) $decoded, $m)) {
                $problems[] = sprintf('raw tag <%s> has a %s: URL', $tag['name'], strtolower($m[1]));
            }
        }
        return $problems;
    }

    /** @return list<string> */
    public static function domProblems(string $html): array
    {
        $rootId = 'bkx-e2e-root-' . bin2hex(random_bytes(6));
        $document = new \DOMDocument();
        $previous = libxml_use_internal_errors(true);
        $document->loadHTML(
            '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
            . '<body><div id="' . $rootId . '">' . $html . '</div></body></html>',
            LIBXML_NONET | LIBXML_COMPACT
        );
        libxml_clear_errors();
        libxml_use_internal_errors($previous);

        $ours = [];
        foreach (['html', 'head', 'body'] as $name) {
            $node = $document->getElementsByTagName($name)->item(0);
            if ($node) {
                $ours[] = $node;
            }
        }
        $meta = $document->getElementsByTagName('meta')->item(0);
        if ($meta) {
            $ours[] = $meta;
        }
        $xpath = new \DOMXPath($document);
        foreach ($xpath->query('//div[@id="' . $rootId . '"]') ?: [] as $node) {
            $ours[] = $node;
            break;
        }

        $problems = [];
        foreach ($xpath->query('//*') ?: [] as $element) {
            if (!$element instanceof \DOMElement || in_array($element, $ours, true)) {
                continue;
            }
            $tag = strtolower($element->nodeName);
            if (in_array($tag, self::FORBIDDEN_TAGS, true)) {
                $problems[] = sprintf('element <%s> in the DOM', $tag);
            }
            foreach ($element->attributes ?? [] as $attribute) {
                $name = strtolower($attribute->nodeName);
                $value = (string) $attribute->nodeValue;
                if (str_starts_with($name, 'on')) {
                    $problems[] = sprintf('<%s %s=...> event handler in the DOM', $tag, $name);
                } elseif ('style' === $name) {
                    $problems[] = sprintf('<%s style=...> in the DOM', $tag);
                } elseif ('srcdoc' === $name) {
                    $problems[] = sprintf('<%s srcdoc=...> in the DOM', $tag);
                } elseif (in_array($name, self::URL_ATTRIBUTES, true) || str_ends_with($name, ':href')) {
                    $scheme = self::scheme($value);
                    if (null !== $scheme && !in_array($scheme, self::SAFE_SCHEMES, true)) {
                        $problems[] = sprintf('<%s %s="%s"> has the URL scheme %s:', $tag, $name, substr($value, 0, 80), $scheme);
                    }
                }
            }
        }
        return $problems;
    }

    /**
     * The scheme of a URL the way a browser reads it: leading/trailing C0 controls and
     * spaces are ignored, tabs and newlines inside are removed.
     */
    public static function scheme(string $url): ?string
    {
        $url = preg_replace('/[\t\n\r]/', '', $url) ?? $url;
        $url = trim($url, "\x00..\x20");
        if (preg_match('/^([a-zA-Z][a-zA-Z0-9+.\-]*):/', $url, $m)) {
            return strtolower($m[1]);
        }
        // Anything else before a colon (controls, unicode) is not a scheme a browser accepts,
        // but be strict: a colon before any / ? # still counts as suspicious.
        if (preg_match('/^([^\/?#]*):/', $url, $m) && '' !== $m[1]) {
            return strtolower($m[1]);
        }
        return null;
    }

    /**
     * The start tags of a text, with their attribute text, skipping quoted values the way
     * an HTML tokenizer does (a `>` inside quotes does not end the tag).
     *
     * `attributes` is the tag's text after its name; `names` is the same text with the
     * contents of quoted values blanked out.
     *
     * @return list<array{name: string, attributes: string, names: string}>
     */
    public static function scanTags(string $html): array
    {
        $tags = [];
        $length = strlen($html);
        $i = 0;
        while (false !== ($start = strpos($html, '<', $i))) {
            $i = $start + 1;
            if (!preg_match('/\G([a-zA-Z][^\s\/>]*)/', $html, $m, 0, $i)) {
                continue;
            }
            $name = strtolower($m[1]);
            $j = $i + strlen($m[1]);
            $quote = null;
            $attributes = '';
            $names = '';
            for (; $j < $length; $j++) {
                $c = $html[$j];
                if (null !== $quote) {
                    if ($c === $quote) {
                        $quote = null;
                        $names .= $c;
                    } else {
                        $names .= ' ';
                    }
                    $attributes .= $c;
                    continue;
                } elseif ('"' === $c || "'" === $c) {
                    // Quotes open a value only right after "=" (possibly with spaces).
                    if (preg_match('/=\s*$/', $attributes)) {
                        $quote = $c;
                    }
                } elseif ('>' === $c) {
                    break;
                }
                $attributes .= $c;
                $names .= $c;
            }
            $tags[] = ['name' => $name, 'attributes' => $attributes, 'names' => $names];
            $i = $j;
        }
        return $tags;
    }
}
