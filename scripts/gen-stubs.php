<?php
/**
 * Generates PHP stubs (for IDEs and static analysis) for the loaded `bkx_livechat` extension,
 * from Reflection only.
 *
 *   php -d extension=target/release/libbkx_livechat.so scripts/gen-stubs.php          # stdout
 *   php -d extension=target/release/libbkx_livechat.so scripts/gen-stubs.php out.php  # a file
 *
 * `make stubs` runs it and writes stubs/bkx_livechat.stubs.php; `make test` regenerates the
 * stubs into a temporary file and fails when they differ from the committed ones.
 *
 * The output is deterministic: namespaces and classes are sorted by name, constants,
 * properties and methods keep their declaration order, and nothing machine-specific (paths,
 * versions, dates) is written.
 */

declare(strict_types=1);

const EXTENSION = 'bkx_livechat';
const INDENT = '    ';

if (!extension_loaded(EXTENSION)) {
    fwrite(STDERR, "gen-stubs.php: the " . EXTENSION . " extension is not loaded.\n"
        . "Run it as: php -d extension=/path/to/libbkx_livechat.so scripts/gen-stubs.php [output.php]\n");
    exit(1);
}

/** Renders a PHP value as source code (short array syntax, single-quoted strings). */
function export_value(mixed $v): string
{
    if ($v === null) {
        return 'null';
    }
    if (is_bool($v)) {
        return $v ? 'true' : 'false';
    }
    if (is_int($v)) {
        return (string) $v;
    }
    if (is_float($v)) {
        if (is_nan($v)) {
            return 'NAN';
        }
        if (is_infinite($v)) {
            return $v > 0 ? 'INF' : '-INF';
        }
        $s = var_export($v, true);
        return str_contains($s, '.') || str_contains($s, 'E') ? $s : $s . '.0';
    }
    if (is_string($v)) {
        return var_export($v, true);
    }
    if (is_array($v)) {
        if ($v === []) {
            return '[]';
        }
        $parts = [];
        $list = array_is_list($v);
        foreach ($v as $k => $item) {
            $parts[] = ($list ? '' : export_value($k) . ' => ') . export_value($item);
        }
        return '[' . implode(', ', $parts) . ']';
    }
    if ($v instanceof UnitEnum) {
        return '\\' . get_class($v) . '::' . $v->name;
    }
    return 'null';
}

/** A type as written in source: class names fully qualified, nullability kept. */
function render_type(?ReflectionType $t): string
{
    if ($t === null) {
        return '';
    }
    if ($t instanceof ReflectionUnionType) {
        $parts = array_map(static fn (ReflectionType $p): string => render_type_part($p), $t->getTypes());
        return implode('|', $parts);
    }
    if ($t instanceof ReflectionIntersectionType) {
        $parts = array_map(static fn (ReflectionType $p): string => render_type_part($p), $t->getTypes());
        return implode('&', $parts);
    }
    $name = render_type_part($t);
    if ($t->allowsNull() && $name !== 'mixed' && $name !== 'null') {
        return '?' . $name;
    }
    return $name;
}

function render_type_part(ReflectionType $t): string
{
    if ($t instanceof ReflectionIntersectionType) {
        return '(' . render_type($t) . ')';
    }
    if (!$t instanceof ReflectionNamedType) {
        return (string) $t;
    }
    $name = $t->getName();
    if ($t->isBuiltin() || in_array(strtolower($name), ['self', 'static', 'parent'], true)) {
        return $name;
    }
    return '\\' . ltrim($name, '\\');
}

/** A sensible default for an optional parameter whose default Reflection cannot show. */
function fallback_default(ReflectionParameter $p): string
{
    $t = $p->getType();
    if ($t === null || $t->allowsNull()) {
        return 'null';
    }
    if ($t instanceof ReflectionNamedType) {
        return match ($t->getName()) {
            'int' => '0',
            'float' => '0.0',
            'string' => "''",
            'bool' => 'false',
            'array', 'iterable' => '[]',
            default => 'null',
        };
    }
    return 'null';
}

function render_param(ReflectionParameter $p): string
{
    $s = '';
    $type = render_type($p->getType());
    if ($type !== '') {
        $s .= $type . ' ';
    }
    if ($p->isPassedByReference()) {
        $s .= '&';
    }
    if ($p->isVariadic()) {
        return $s . '...$' . $p->getName();
    }
    $s .= '$' . $p->getName();
    if ($p->isOptional()) {
        $default = null;
        if ($p->isDefaultValueAvailable()) {
            try {
                if ($p->isDefaultValueConstant()) {
                    $const = (string) $p->getDefaultValueConstantName();
                    $default = str_contains($const, '::') || str_contains($const, '\\')
                        ? '\\' . ltrim($const, '\\') : $const;
                } else {
                    $default = export_value($p->getDefaultValue());
                }
            } catch (ReflectionException) {
                $default = null;
            }
        }
        $s .= ' = ' . ($default ?? fallback_default($p));
    }
    return $s;
}

function visibility(ReflectionMethod|ReflectionProperty|ReflectionClassConstant $r): string
{
    return match (true) {
        $r->isPrivate() => 'private',
        $r->isProtected() => 'protected',
        default => 'public',
    };
}

/** @return list<string> */
function doc_lines(string|false $doc, string $indent): array
{
    if ($doc === false || trim($doc) === '') {
        return [];
    }
    $out = [];
    foreach (explode("\n", trim($doc)) as $line) {
        $line = trim($line);
        $out[] = $indent . (str_starts_with($line, '*') ? ' ' . $line : $line);
    }
    return $out;
}

/** @return list<string> */
function render_function(ReflectionFunctionAbstract $f, string $indent, string $prefix, bool $bodyless): array
{
    $params = array_map('render_param', $f->getParameters());
    $name = $f instanceof ReflectionMethod ? $f->getName() : $f->getShortName();
    $sig = $prefix . 'function ' . ($f->returnsReference() ? '&' : '') . $name
        . '(' . implode(', ', $params) . ')';
    $ret = $f->getReturnType() ?? ($f->hasTentativeReturnType() ? $f->getTentativeReturnType() : null);
    $isCtor = $f instanceof ReflectionMethod && $f->isConstructor();
    if ($ret !== null && !$isCtor) {
        $sig .= ': ' . render_type($ret);
    }
    $lines = doc_lines($f->getDocComment(), $indent);
    $lines[] = $indent . $sig . ($bodyless ? ';' : ' {}');
    return $lines;
}

/** Interfaces the class adds itself (not inherited from its parent or implied by another). */
function own_interfaces(ReflectionClass $c): array
{
    $names = $c->getInterfaceNames();
    $parent = $c->getParentClass();
    if ($parent !== false) {
        $names = array_diff($names, $parent->getInterfaceNames());
    }
    $implied = [];
    foreach ($names as $n) {
        $implied = array_merge($implied, (new ReflectionClass($n))->getInterfaceNames());
    }
    $names = array_values(array_diff($names, $implied));
    if ($c->isEnum()) {
        $names = array_values(array_diff($names, ['UnitEnum', 'BackedEnum']));
    }
    sort($names, SORT_STRING);
    return $names;
}

/** @return list<string> */
function render_class(ReflectionClass $c, string $indent): array
{
    $name = $c->getShortName();
    $in = $indent . INDENT;
    $lines = doc_lines($c->getDocComment(), $indent);

    if ($c->isInterface()) {
        $head = 'interface ' . $name;
        $parents = $c->getInterfaceNames();
        $implied = [];
        foreach ($parents as $n) {
            $implied = array_merge($implied, (new ReflectionClass($n))->getInterfaceNames());
        }
        $parents = array_values(array_diff($parents, $implied));
        sort($parents, SORT_STRING);
        if ($parents !== []) {
            $head .= ' extends ' . implode(', ', array_map(static fn ($n) => '\\' . $n, $parents));
        }
    } elseif ($c->isTrait()) {
        $head = 'trait ' . $name;
    } elseif ($c->isEnum()) {
        $enum = new ReflectionEnum($c->getName());
        $head = 'enum ' . $name;
        if ($enum->isBacked()) {
            $head .= ': ' . render_type($enum->getBackingType());
        }
        $ifaces = own_interfaces($c);
        if ($ifaces !== []) {
            $head .= ' implements ' . implode(', ', array_map(static fn ($n) => '\\' . $n, $ifaces));
        }
    } else {
        $mods = '';
        if ($c->isAbstract()) {
            $mods .= 'abstract ';
        }
        if ($c->isFinal()) {
            $mods .= 'final ';
        }
        if (method_exists($c, 'isReadOnly') && $c->isReadOnly()) {
            $mods .= 'readonly ';
        }
        $head = $mods . 'class ' . $name;
        $parent = $c->getParentClass();
        if ($parent !== false) {
            $head .= ' extends \\' . $parent->getName();
        }
        $ifaces = own_interfaces($c);
        if ($ifaces !== []) {
            $head .= ' implements ' . implode(', ', array_map(static fn ($n) => '\\' . $n, $ifaces));
        }
    }
    $lines[] = $indent . $head;
    $lines[] = $indent . '{';

    $members = [];

    if ($c->isEnum()) {
        foreach ((new ReflectionEnum($c->getName()))->getCases() as $case) {
            $line = $in . 'case ' . $case->getName();
            if ($case instanceof ReflectionEnumBackedCase) {
                $line .= ' = ' . export_value($case->getBackingValue());
            }
            $members[] = [$line . ';'];
        }
    }

    foreach ($c->getReflectionConstants() as $k) {
        if ($k->getDeclaringClass()->getName() !== $c->getName() || ($c->isEnum() && $k->isEnumCase())) {
            continue;
        }
        $mods = ($k->isFinal() && !$c->isInterface() ? 'final ' : '') . visibility($k) . ' ';
        $members[] = array_merge(
            doc_lines($k->getDocComment(), $in),
            [$in . $mods . 'const ' . $k->getName() . ' = ' . export_value($k->getValue()) . ';']
        );
    }

    foreach ($c->getProperties() as $p) {
        if ($p->getDeclaringClass()->getName() !== $c->getName() || ($c->isEnum() && !$p->isStatic())) {
            continue;
        }
        $mods = visibility($p) . ($p->isStatic() ? ' static' : '') . ($p->isReadOnly() ? ' readonly' : '');
        $type = render_type($p->getType());
        $line = $in . $mods . ($type !== '' ? ' ' . $type : '') . ' $' . $p->getName();
        if ($p->hasDefaultValue() && !($p->getDefaultValue() === null && $p->hasType() && !$p->getType()->allowsNull())) {
            $line .= ' = ' . export_value($p->getDefaultValue());
        }
        $members[] = array_merge(doc_lines($p->getDocComment(), $in), [$line . ';']);
    }

    foreach ($c->getMethods() as $m) {
        if ($m->getDeclaringClass()->getName() !== $c->getName()) {
            continue;
        }
        $mods = '';
        if ($m->isAbstract() && !$c->isInterface()) {
            $mods .= 'abstract ';
        }
        if ($m->isFinal()) {
            $mods .= 'final ';
        }
        $mods .= visibility($m) . ' ';
        if ($m->isStatic()) {
            $mods .= 'static ';
        }
        $members[] = render_function($m, $in, $mods, $c->isInterface() || $m->isAbstract());
    }

    foreach ($members as $i => $member) {
        if ($i > 0) {
            $lines[] = '';
        }
        array_push($lines, ...$member);
    }
    $lines[] = $indent . '}';
    return $lines;
}

/** Splits `A\B\C` into [`A\B`, `C`]. */
function split_name(string $fqn): array
{
    $pos = strrpos($fqn, '\\');
    return $pos === false ? ['', $fqn] : [substr($fqn, 0, $pos), substr($fqn, $pos + 1)];
}

$ext = new ReflectionExtension(EXTENSION);

/** @var array<string, array{constants: array<string, mixed>, functions: list<ReflectionFunction>, classes: list<ReflectionClass>}> $spaces */
$spaces = [];
$space = static function (string $ns) use (&$spaces): void {
    $spaces[$ns] ??= ['constants' => [], 'functions' => [], 'classes' => []];
};

foreach ($ext->getConstants() as $name => $value) {
    [$ns, $short] = split_name($name);
    $space($ns);
    $spaces[$ns]['constants'][$short] = $value;
}
foreach ($ext->getFunctions() as $f) {
    [$ns] = split_name($f->getName());
    $space($ns);
    $spaces[$ns]['functions'][] = $f;
}
foreach ($ext->getClasses() as $c) {
    [$ns] = split_name($c->getName());
    $space($ns);
    $spaces[$ns]['classes'][] = $c;
}
ksort($spaces, SORT_STRING);

$out = [
    '<?php',
    '',
    '/**',
    ' * Generated from the bkx_livechat extension by scripts/gen-stubs.php — do not edit; run `make stubs`.',
    ' *',
    ' * Signatures only: what the calls mean is documented in docs/php-api.md.',
    ' *',
    ' * @generated',
    ' */',
    '',
    '// phpcs:ignoreFile',
    '',
];

foreach ($spaces as $ns => $items) {
    $out[] = $ns === '' ? 'namespace {' : 'namespace ' . $ns . ' {';
    $blocks = [];
    foreach ($items['constants'] as $name => $value) {
        $blocks[] = [INDENT . 'const ' . $name . ' = ' . export_value($value) . ';'];
    }
    usort($items['functions'], static fn ($a, $b) => strcmp($a->getName(), $b->getName()));
    foreach ($items['functions'] as $f) {
        $blocks[] = render_function($f, INDENT, '', false);
    }
    usort($items['classes'], static fn ($a, $b) => strcmp($a->getName(), $b->getName()));
    foreach ($items['classes'] as $c) {
        $blocks[] = render_class($c, INDENT);
    }
    foreach ($blocks as $i => $block) {
        $out[] = '';
        array_push($out, ...$block);
    }
    $out[] = '}';
    $out[] = '';
}

$text = implode("\n", $out);

$target = $argv[1] ?? null;
if ($target !== null && $target !== '' && $target !== '-') {
    if (file_put_contents($target, $text) === false) {
        fwrite(STDERR, "gen-stubs.php: cannot write $target\n");
        exit(1);
    }
} else {
    echo $text;
}
