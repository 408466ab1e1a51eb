<?php
/**
 * Bad input: stable error codes, and nothing invalid is ever stored.
 */

declare(strict_types=1);

namespace BkxE2E;

final class ValidationTest extends E2ETestCase
{
    private HttpClient $guest;
    private int $id;
    /** @var list<int> */
    private array $historyBefore;
    private int $countBefore;

    protected function setUp(): void
    {
        parent::setUp();
        $this->guest = $this->guest();
        $this->id = (int) $this->startConversation($this->guest, 'Valid first message')['id'];
        $this->historyBefore = array_column($this->history($this->guest, $this->id), 'id');
        $this->countBefore = $this->getConversation($this->guest, $this->id)['message_count'];
    }

    private function assertNothingStored(string $context): void
    {
        $this->assertSame($this->countBefore, $this->getConversation($this->guest, $this->id)['message_count'], $context . ': message_count changed');
        $this->assertSame($this->historyBefore, array_column($this->history($this->guest, $this->id), 'id'), $context . ': history changed');
    }

    public function testEmptyBodiesAreRejected(): void
    {
        foreach (['', '   ', "\n\t", '<p></p>', '<script>alert(1)</script>', '<b> </b>'] as $body) {
            $response = $this->postMessage($this->guest, $this->id, $body);
            $this->assertError(400, 'invalid_argument', $response, 'body ' . json_encode($body));
            $this->assertSame('body', $response->json()['data']['details']['field'] ?? null, $response->describe());
        }
        $this->assertNothingStored('empty bodies');
    }

    public function testTooLongBodyIs413AndTheLimitIsInclusive(): void
    {
        $tooLong = $this->postMessage($this->guest, $this->id, str_repeat('a', 10001));
        $this->assertError(413, 'payload_too_large', $tooLong);
        $this->assertSame(10000, $tooLong->json()['data']['details']['max'] ?? null);

        // Characters, not bytes: 10 001 two-byte characters are too long too.
        $this->assertError(413, 'payload_too_large', $this->postMessage($this->guest, $this->id, str_repeat('é', 10001)));
        $this->assertNothingStored('too long');

        $max = $this->postMessage($this->guest, $this->id, str_repeat('é', 10000));
        $this->assertStatus(201, $max);
        $this->assertSame(10000, mb_strlen($max->json()['body']));
    }

    public function testWrongTypesAreRejected(): void
    {
        foreach ([123, 1.5, true, ['a'], ['body' => 'x']] as $body) {
            $this->assertError(400, 'rest_invalid_param', $this->postMessage($this->guest, $this->id, $body), 'body ' . json_encode($body));
        }
        $this->assertError(400, 'rest_missing_callback_param', $this->postMessage($this->guest, $this->id, null), 'missing body');
        $this->assertError(400, 'rest_invalid_param', $this->postMessage($this->guest, $this->id, 'x', ['client_id' => 42]), 'client_id');
        $this->assertError(400, 'rest_invalid_param', $this->postMessage($this->guest, $this->id, 'x', ['message_type' => 'script']), 'message_type');
        $this->assertError(400, 'invalid_argument', $this->postMessage($this->guest, $this->id, 'x', ['client_id' => str_repeat('c', 65)]), 'client_id too long');

        $malformed = $this->guest->rest('POST', self::NS . "/chat/conversations/{$this->id}/messages", [], '{"body": "unterminated', [], true);
        $this->assertError(400, 'rest_invalid_json', $malformed);

        $this->assertNothingStored('wrong types');
    }

    public function testInvalidPagingIsRejected(): void
    {
        $url = self::NS . "/chat/conversations/{$this->id}/messages";
        foreach ([0, 101, -1, 'abc', '1.5'] as $limit) {
            $this->assertError(400, 'rest_invalid_param', $this->guest->rest('GET', $url, ['limit' => $limit]), 'limit ' . $limit);
        }
        foreach ([0, 'x'] as $cursor) {
            $this->assertError(400, 'rest_invalid_param', $this->guest->rest('GET', $url, ['before_id' => $cursor]), 'before_id ' . $cursor);
        }
        $both = $this->guest->rest('GET', $url, ['before_id' => 5, 'after_id' => 1]);
        $this->assertError(400, 'invalid_argument', $both);

        $this->assertError(400, 'rest_invalid_param', $this->agent()->rest('GET', self::NS . '/chat/conversations', ['limit' => 1000]));
        $this->assertError(400, 'rest_invalid_param', $this->agent()->rest('GET', self::NS . '/chat/conversations', ['status' => 'deleted']));
    }

    public function testUnknownConversationIs404(): void
    {
        $unknown = 2147483000;
        $agent = $this->agent();
        $this->assertError(404, 'not_found', $agent->rest('GET', self::NS . "/chat/conversations/{$unknown}"));
        $this->assertError(404, 'not_found', $agent->rest('GET', self::NS . "/chat/conversations/{$unknown}/messages"));
        $this->assertError(404, 'not_found', $this->postMessage($agent, $unknown, 'hello?'));
        $this->assertError(404, 'not_found', $agent->rest('POST', self::NS . "/chat/conversations/{$unknown}/close"));
        $this->assertError(404, 'not_found', $this->postMessage($this->guest, $unknown, 'hello?'), 'guest');

        $this->assertError(404, 'rest_no_route', $agent->rest('GET', self::NS . '/chat/conversations/abc'));
    }

    public function testInvalidNewConversationsAreNotStored(): void
    {
        $guest = $this->guest('fresh');
        $this->assertError(400, 'invalid_argument', $guest->rest('POST', self::NS . '/chat/conversations', [], ['message' => '']));
        $this->assertError(413, 'payload_too_large', $guest->rest('POST', self::NS . '/chat/conversations', [], ['message' => str_repeat('x', 10001)]));
        $this->assertError(400, 'rest_invalid_param', $guest->rest('POST', self::NS . '/chat/conversations', [], ['message' => ['nested']]));
        $this->assertError(400, 'rest_invalid_param', $guest->rest('POST', self::NS . '/chat/conversations', [], ['message' => 'ok', 'metadata' => 'not an object']));
        $this->assertError(400, 'rest_invalid_param', $guest->rest('POST', self::NS . '/chat/conversations', [], ['message' => 'ok', 'booking_id' => -3]));
        $this->assertError(400, 'invalid_argument', $guest->rest('POST', self::NS . '/chat/conversations', [], [
            'message' => 'ok',
            'metadata' => ['blob' => str_repeat('m', 20000)],
        ]), 'metadata larger than 16 KB');

        $list = $guest->rest('GET', self::NS . '/chat/conversations');
        $this->assertStatus(200, $list);
        $this->assertSame([], $list->json(), 'no conversation was created by the rejected requests');
    }
}
