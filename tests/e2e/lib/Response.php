<?php
/**
 * One HTTP response as the tests see it.
 */

declare(strict_types=1);

namespace BkxE2E;

final class Response
{
    /** @var array<string, list<string>> lower-case header name => values */
    public array $headers;

    public function __construct(
        public string $method,
        public string $url,
        public int $status,
        array $headers,
        public string $body
    ) {
        $this->headers = $headers;
    }

    /** The first value of a header, or null. */
    public function header(string $name): ?string
    {
        return $this->headers[strtolower($name)][0] ?? null;
    }

    /** @return list<string> every value of a header */
    public function headerValues(string $name): array
    {
        return $this->headers[strtolower($name)] ?? [];
    }

    /**
     * The decoded JSON body. Throws when the body is not pure JSON (a PHP notice printed
     * before the JSON is a bug the tests must see).
     *
     * @return mixed
     */
    public function json()
    {
        try {
            return json_decode($this->body, true, 512, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw new \RuntimeException(sprintf(
                "%s %s answered %d with a body that is not JSON (%s):\n%s",
                $this->method,
                $this->url,
                $this->status,
                $e->getMessage(),
                substr($this->body, 0, 2000)
            ));
        }
    }

    /** A one-line description for assertion messages. */
    public function describe(): string
    {
        return sprintf('%s %s -> %d %s', $this->method, $this->url, $this->status, substr($this->body, 0, 600));
    }
}
