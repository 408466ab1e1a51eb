<?php
/**
 * A small HTTP client with its own cookie jar: one instance per actor (guest, agent...).
 *
 * Cookies are kept by name (the tests talk to one host); a Set-Cookie that expires or
 * deletes a cookie removes it. Every raw Set-Cookie line is kept, so tests can check
 * attributes such as HttpOnly and SameSite.
 */

declare(strict_types=1);

namespace BkxE2E;

final class HttpClient
{
    /** @var array<string, string> name => value */
    public array $cookies = [];

    /** @var list<string> every Set-Cookie header received, in order */
    public array $setCookies = [];

    /** WordPress REST nonce (X-WP-Nonce) of a logged-in actor. */
    public ?string $wpNonce = null;

    /** The guest's visitor nonce (X-BKX-Chat-Nonce), remembered from responses. */
    public ?string $chatNonce = null;

    public function __construct(public string $baseUrl, public string $name)
    {
        $this->baseUrl = rtrim($baseUrl, '/');
    }

    /**
     * A REST call. The route goes through `?rest_route=`, which works whatever the permalink
     * settings and web server. Logged-in actors send X-WP-Nonce; guests send the remembered
     * X-BKX-Chat-Nonce on writes. Pass a header with a null value to leave it out.
     *
     * @param array<string, scalar> $query
     * @param mixed $body array/scalar: sent as JSON; string with $raw: sent as is
     * @param array<string, string|null> $headers
     */
    public function rest(string $method, string $route, array $query = [], $body = null, array $headers = [], bool $raw = false): Response
    {
        $url = $this->baseUrl . '/?' . http_build_query(['rest_route' => $route] + $query, '', '&', PHP_QUERY_RFC3986);
        $defaults = ['Accept' => 'application/json'];
        if (null !== $this->wpNonce) {
            $defaults['X-WP-Nonce'] = $this->wpNonce;
        }
        if (null !== $this->chatNonce && !in_array($method, ['GET', 'HEAD'], true)) {
            $defaults['X-BKX-Chat-Nonce'] = $this->chatNonce;
        }
        $payload = null;
        if (null !== $body || $raw) {
            $defaults['Content-Type'] = 'application/json';
            $payload = $raw ? (string) $body : json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE);
        }
        $response = $this->request($method, $url, $payload, array_merge($defaults, $headers));
        $nonce = $response->header('X-BKX-Chat-Nonce');
        if (null !== $nonce && '' !== $nonce) {
            $this->chatNonce = $nonce;
        }
        return $response;
    }

    /**
     * A multipart/form-data REST call (file uploads), with the same nonces as rest().
     *
     * @param array<string, scalar> $query  Query arguments (besides rest_route).
     * @param array<string, scalar> $fields Plain form fields.
     * @param array<string, array{name: string, content: string, type?: string}> $files
     * @param array<string, string|null> $headers
     */
    public function upload(string $route, array $query, array $fields, array $files, array $headers = []): Response
    {
        $url = $this->baseUrl . '/?' . http_build_query(['rest_route' => $route] + $query, '', '&', PHP_QUERY_RFC3986);
        $boundary = '----bkx' . bin2hex(random_bytes(12));
        $body = '';
        foreach ($fields as $name => $value) {
            $body .= "--{$boundary}\r\nContent-Disposition: form-data; name=\"{$name}\"\r\n\r\n{$value}\r\n";
        }
        foreach ($files as $name => $file) {
            $body .= "--{$boundary}\r\nContent-Disposition: form-data; name=\"{$name}\"; filename=\""
                . addcslashes($file['name'], "\"\\") . "\"\r\nContent-Type: " . ($file['type'] ?? 'application/octet-stream')
                . "\r\n\r\n" . $file['content'] . "\r\n";
        }
        $body .= "--{$boundary}--\r\n";
        $defaults = ['Accept' => 'application/json', 'Content-Type' => 'multipart/form-data; boundary=' . $boundary];
        if (null !== $this->wpNonce) {
            $defaults['X-WP-Nonce'] = $this->wpNonce;
        }
        if (null !== $this->chatNonce) {
            $defaults['X-BKX-Chat-Nonce'] = $this->chatNonce;
        }
        $response = $this->request('POST', $url, $body, array_merge($defaults, $headers));
        $nonce = $response->header('X-BKX-Chat-Nonce');
        if (null !== $nonce && '' !== $nonce) {
            $this->chatNonce = $nonce;
        }
        return $response;
    }

    /**
     * A form POST (application/x-www-form-urlencoded).
     *
     * @param array<string, string> $fields
     */
    public function postForm(string $path, array $fields): Response
    {
        return $this->request('POST', $this->baseUrl . $path, http_build_query($fields), [
            'Content-Type' => 'application/x-www-form-urlencoded',
        ]);
    }

    public function get(string $path): Response
    {
        return $this->request('GET', $this->baseUrl . $path);
    }

    /**
     * One request; redirects are not followed.
     *
     * @param array<string, string|null> $headers
     */
    public function request(string $method, string $url, ?string $body = null, array $headers = []): Response
    {
        $ch = curl_init($url);
        if (false === $ch) {
            throw new \RuntimeException('curl_init failed');
        }
        $lines = [];
        foreach ($headers as $name => $value) {
            if (null !== $value) {
                $lines[] = $name . ': ' . $value;
            }
        }
        if ($this->cookies) {
            $pairs = [];
            foreach ($this->cookies as $name => $value) {
                $pairs[] = $name . '=' . $value;
            }
            $lines[] = 'Cookie: ' . implode('; ', $pairs);
        }
        $responseHeaders = [];
        curl_setopt_array($ch, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_CONNECTTIMEOUT => 10,
            CURLOPT_TIMEOUT => 60,
            CURLOPT_HTTPHEADER => $lines,
            CURLOPT_HEADERFUNCTION => static function ($ch, string $line) use (&$responseHeaders): int {
                $trimmed = trim($line);
                if (str_starts_with($trimmed, 'HTTP/')) {
                    $responseHeaders = []; // A new response (after 100 Continue).
                } elseif (false !== ($pos = strpos($trimmed, ':'))) {
                    $responseHeaders[strtolower(trim(substr($trimmed, 0, $pos)))][] = trim(substr($trimmed, $pos + 1));
                }
                return strlen($line);
            },
        ]);
        if (null !== $body) {
            curl_setopt($ch, CURLOPT_POSTFIELDS, $body);
        } elseif (in_array($method, ['POST', 'PUT', 'PATCH'], true)) {
            curl_setopt($ch, CURLOPT_POSTFIELDS, '');
        }
        $result = curl_exec($ch);
        if (false === $result) {
            $error = curl_error($ch);
            curl_close($ch);
            throw new \RuntimeException(sprintf('%s %s failed: %s', $method, $url, $error));
        }
        $status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);

        foreach ($responseHeaders['set-cookie'] ?? [] as $line) {
            $this->storeCookie($line);
        }
        return new Response($method, $url, $status, $responseHeaders, (string) $result);
    }

    /** The Set-Cookie lines received for one cookie name. @return list<string> */
    public function setCookieLines(string $name): array
    {
        return array_values(array_filter(
            $this->setCookies,
            static fn(string $line): bool => str_starts_with($line, $name . '=')
        ));
    }

    /** A copy of this actor (same cookies and nonces) under another name. */
    public function cloneAs(string $name): self
    {
        $copy = new self($this->baseUrl, $name);
        $copy->cookies = $this->cookies;
        $copy->wpNonce = $this->wpNonce;
        $copy->chatNonce = $this->chatNonce;
        return $copy;
    }

    private function storeCookie(string $line): void
    {
        $this->setCookies[] = $line;
        $parts = array_map('trim', explode(';', $line));
        $pair = array_shift($parts);
        if (null === $pair || false === ($eq = strpos($pair, '='))) {
            return;
        }
        $name = substr($pair, 0, $eq);
        $value = substr($pair, $eq + 1);
        $expired = false;
        foreach ($parts as $attribute) {
            [$key, $val] = array_pad(explode('=', $attribute, 2), 2, '');
            $key = strtolower(trim($key));
            if ('max-age' === $key && (int) $val <= 0) {
                $expired = true;
            } elseif ('expires' === $key && false !== ($time = strtotime($val)) && $time < time()) {
                $expired = true;
            }
        }
        if ($expired || '' === $value || 'deleted' === $value) {
            unset($this->cookies[$name]);
        } else {
            $this->cookies[$name] = $value;
        }
    }
}
