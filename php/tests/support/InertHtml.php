<?php
/**
 * "Nothing executable survives": checks that sanitised chat HTML only contains the chat
 * allow-list. Used by the PHPUnit tests (stored XSS) and by php/conformance/run.php, so it
 * has no PHPUnit dependency.
 *
 * Two independent views of the same string, so a difference between parsers cannot hide a
 * tag:
 *  1. lexical: every `<` must open or close an allowed tag whose attributes are exactly
 *     `name="value"` pairs of allowed names (the sanitiser's serializer always quotes);
 *     comments, doctypes, processing instructions and CDATA are refused;
 *  2. DOM: the string parsed by libxml (DOMDocument) may only contain allowed elements, only
 *     `a@href` and `a@rel`, hrefs with the http, https or mailto scheme, and every link's
 *     rel is exactly `nofollow noopener noreferrer`.
 */

declare(strict_types=1);

final class InertHtml
{
    public const ALLOWED_TAGS = [
        'a', 'b', 'blockquote', 'br', 'code', 'em', 'i', 'li', 'ol', 'p', 'pre', 's', 'strong', 'u', 'ul',
    ];
    public const ALLOWED_ATTRIBUTES = ['a' => ['href', 'rel']];
    public const LINK_REL = 'nofollow noopener noreferrer';
    public const ALLOWED_SCHEMES = ['http', 'https', 'mailto'];

    /** @return list<string> what is wrong with `$html` (empty: inert) */
    public static function violations(string $html): array
    {
        return array_values(array_unique(array_merge(self::lexical($html), self::dom($html))));
    }

    /** @return list<string> */
    private static function lexical(string $html): array
    {
        $problems = [];
        if (str_contains($html, "\0")) {
            $problems[] = 'NUL byte in the output';
        }
        $tag = '~<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*="[^"]*")*)\s*(/?)>~';
        $rest = preg_replace_callback($tag, static function (array $m) use (&$problems): string {
            $name = strtolower($m[2]);
            if (!in_array($name, self::ALLOWED_TAGS, true)) {
                $problems[] = "tag <$name> is not allowed";
                return '';
            }
            if ($m[1] === '/' && trim($m[3]) !== '') {
                $problems[] = "closing tag </$name> carries attributes";
            }
            preg_match_all('~\s+([^\s=]+)="([^"]*)"~', $m[3], $attrs, PREG_SET_ORDER);
            foreach ($attrs as [, $attr]) {
                $attr = strtolower($attr);
                if (!in_array($attr, self::ALLOWED_ATTRIBUTES[$name] ?? [], true)) {
                    $problems[] = "attribute $name@$attr is not allowed";
                }
            }
            return '';
        }, $html);
        if ($rest === null) {
            return ['the output is not valid UTF-8 (preg failed)'];
        }
        if (($pos = strpos($rest, '<')) !== false) {
            $problems[] = 'unexpected markup: ' . json_encode(substr($rest, $pos, 60), JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
        }
        return $problems;
    }

    /** @return list<string> */
    private static function dom(string $html): array
    {
        $problems = [];
        $doc = new DOMDocument('1.0', 'UTF-8');
        $previous = libxml_use_internal_errors(true);
        $doc->loadHTML(
            '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
            . '<body><div id="bkx-inert-root">' . $html . '</div></body></html>',
            LIBXML_NONET | LIBXML_COMPACT
        );
        libxml_clear_errors();
        libxml_use_internal_errors($previous);

        $metas = $doc->getElementsByTagName('meta');
        if ($metas->length !== 1) {
            $problems[] = 'a <meta> element appeared';
        }
        $roots = [];
        foreach ($doc->getElementsByTagName('div') as $div) {
            if ($div->getAttribute('id') === 'bkx-inert-root') {
                $roots[] = $div;
            }
        }
        if (count($roots) !== 1) {
            return array_merge($problems, ['the wrapper element was broken out of']);
        }
        // Everything the parser moved out of the wrapper (into head or after it) is a problem.
        foreach ($doc->getElementsByTagName('*') as $el) {
            if (in_array($el->nodeName, ['html', 'head', 'body', 'meta'], true) || $el === $roots[0]) {
                continue;
            }
            if (!self::isInside($el, $roots[0])) {
                $problems[] = "element <{$el->nodeName}> outside the message";
            }
        }
        self::walk($roots[0], $problems);
        return $problems;
    }

    private static function isInside(DOMNode $node, DOMNode $root): bool
    {
        for ($n = $node->parentNode; $n !== null; $n = $n->parentNode) {
            if ($n === $root) {
                return true;
            }
        }
        return false;
    }

    /** @param list<string> $problems */
    private static function walk(DOMNode $node, array &$problems): void
    {
        foreach ($node->childNodes as $child) {
            switch ($child->nodeType) {
                case XML_TEXT_NODE:
                    break;
                case XML_ELEMENT_NODE:
                    /** @var DOMElement $child */
                    self::checkElement($child, $problems);
                    self::walk($child, $problems);
                    break;
                case XML_COMMENT_NODE:
                    $problems[] = 'comment node';
                    break;
                case XML_CDATA_SECTION_NODE:
                    $problems[] = 'CDATA section';
                    break;
                case XML_PI_NODE:
                    $problems[] = 'processing instruction';
                    break;
                default:
                    $problems[] = 'unexpected node type ' . $child->nodeType;
            }
        }
    }

    /** @param list<string> $problems */
    private static function checkElement(DOMElement $el, array &$problems): void
    {
        $name = strtolower($el->nodeName);
        if (!in_array($name, self::ALLOWED_TAGS, true)) {
            $problems[] = "element <$name> is not allowed";
        }
        foreach ($el->attributes as $attr) {
            $a = strtolower($attr->nodeName);
            if (!in_array($a, self::ALLOWED_ATTRIBUTES[$name] ?? [], true)) {
                $problems[] = "attribute $name@$a is not allowed";
            }
        }
        if ($name !== 'a') {
            return;
        }
        if ($el->hasAttribute('href')) {
            $href = $el->getAttribute('href');
            if (!self::isAllowedUrl($href)) {
                $problems[] = 'href with a scheme other than http, https or mailto: '
                    . json_encode($href, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
            }
        }
        if ($el->getAttribute('rel') !== self::LINK_REL) {
            $problems[] = 'link rel is ' . json_encode($el->getAttribute('rel')) . ', not "' . self::LINK_REL . '"';
        }
    }

    /**
     * True for an absolute http, https or mailto URL, both as written and as a browser reads
     * it (WHATWG URL parsing first strips leading/trailing C0 controls and spaces and removes
     * tabs and newlines everywhere).
     */
    public static function isAllowedUrl(string $href): bool
    {
        $browser = str_replace(["\t", "\n", "\r"], '', trim($href, "\x00..\x20"));
        foreach ([$href, $browser] as $url) {
            if (!preg_match('/^([A-Za-z][A-Za-z0-9+.-]*):/', $url, $m)
                || !in_array(strtolower($m[1]), self::ALLOWED_SCHEMES, true)) {
                return false;
            }
        }
        return true;
    }
}
