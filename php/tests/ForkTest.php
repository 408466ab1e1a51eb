<?php

declare(strict_types=1);

use BookingX\Addons\LiveChat\ChatManager;

/**
 * php-fpm forks its workers after loading the module, and CLI workers fork with pcntl. A
 * manager used before the fork must keep working in the child (its own runtime and pool, no
 * hang on the parent's) and in the parent afterwards.
 */
final class ForkTest extends ChatTestCase
{
    private const CHILD_TIMEOUT = 20;

    protected function setUp(): void
    {
        if (!function_exists('pcntl_fork') || !function_exists('pcntl_alarm') || !function_exists('pcntl_waitpid')) {
            self::markTestSkipped('the pcntl extension is not available in this PHP CLI');
        }
    }

    /**
     * Runs `$work` in a forked child and returns its exit code (or fails on a signal or a
     * hang). The child leaves with exec() of a tiny shell, so none of this process's PHP
     * shutdown (PHPUnit's output buffers, PDO connections) runs twice.
     */
    private function inChild(callable $work): int
    {
        TestDb::disconnect(); // the child must not inherit (and close) the parent's PDO socket
        $pid = pcntl_fork();
        self::assertNotSame(-1, $pid, 'fork failed');
        if ($pid === 0) {
            pcntl_alarm(self::CHILD_TIMEOUT); // a hang kills the child with SIGALRM
            $code = 70;
            try {
                $code = $work() ? 0 : 1;
            } catch (Throwable $e) {
                fwrite(STDERR, 'child: ' . get_class($e) . ': ' . $e->getMessage() . "\n");
                $code = 2;
            }
            pcntl_exec('/bin/sh', ['-c', "exit $code"]);
            // exec failed: still leave without running PHP's shutdown.
            posix_kill(getmypid(), SIGKILL);
        }

        $deadline = microtime(true) + self::CHILD_TIMEOUT + 10;
        $status = 0;
        while (($done = pcntl_waitpid($pid, $status, WNOHANG)) === 0) {
            if (microtime(true) > $deadline) {
                posix_kill($pid, SIGKILL);
                pcntl_waitpid($pid, $status);
                self::fail('the forked child hung');
            }
            usleep(20_000);
        }
        self::assertSame($pid, $done);
        if (pcntl_wifsignaled($status)) {
            $sig = pcntl_wtermsig($status);
            self::fail($sig === SIGALRM ? 'the forked child hung (killed by its alarm)' : "the forked child died of signal $sig");
        }
        self::assertTrue(pcntl_wifexited($status));
        return pcntl_wexitstatus($status);
    }

    public function testManagerWorksInAForkedChildAndInTheParentAfterwards(): void
    {
        $chat = $this->chat();
        $c = $this->newConversation(['message' => 'from the parent, before the fork']);
        // The parent has a runtime and an open pooled connection now.
        self::assertCount(1, $chat->getMessages($c['id']));

        $code = $this->inChild(static function () use ($chat, $c): bool {
            $conv = $chat->getConversation($c['id']);
            $m = $chat->sendMessage($c['id'], ['sender_type' => 'agent', 'body' => '<b>from the child</b>', 'client_id' => 'child-1']);
            $history = $chat->getMessages($c['id']);
            // A manager created in the child works too.
            $fresh = new ChatManager(TestDb::managerConfig(static::$prefix));
            $again = $fresh->getConversation($c['id']);
            return $conv['id'] === $c['id']
                && $m['body'] === '<b>from the child</b>'
                && count($history) === 2
                && $again['message_count'] === 2;
        });
        self::assertSame(0, $code, 'the child could not use the manager (exit code ' . $code . ')');

        // The parent still works and sees the child's message.
        $history = $chat->getMessages($c['id']);
        self::assertSame(['from the parent, before the fork', '<b>from the child</b>'], array_column($history, 'body'));
        $m = $chat->sendMessage($c['id'], ['sender_type' => 'customer', 'body' => 'parent again']);
        self::assertSame(3, $chat->getConversation($c['id'])['message_count']);
        self::assertSame('parent again', $m['body']);
        // The child's idempotent send is visible to the parent's retry.
        self::assertSame('<b>from the child</b>', $chat->sendMessage($c['id'], ['sender_type' => 'agent', 'body' => 'retry', 'client_id' => 'child-1'])['body']);
    }

    public function testSeveralChildrenInParallel(): void
    {
        $chat = $this->chat();
        $c = $this->newConversation();
        $chat->getConversation($c['id']);

        TestDb::disconnect();
        $pids = [];
        for ($i = 0; $i < 4; $i++) {
            $pid = pcntl_fork();
            self::assertNotSame(-1, $pid);
            if ($pid === 0) {
                pcntl_alarm(self::CHILD_TIMEOUT);
                $code = 2;
                try {
                    for ($j = 0; $j < 5; $j++) {
                        $chat->sendMessage($c['id'], ['sender_type' => 'customer', 'body' => "child $i message $j", 'client_id' => "c$i-$j"]);
                    }
                    $code = 0;
                } catch (Throwable $e) {
                    fwrite(STDERR, "child $i: " . $e->getMessage() . "\n");
                }
                pcntl_exec('/bin/sh', ['-c', "exit $code"]);
                posix_kill(getmypid(), SIGKILL);
            }
            $pids[] = $pid;
        }
        $deadline = microtime(true) + self::CHILD_TIMEOUT + 10;
        foreach ($pids as $pid) {
            $status = 0;
            while (pcntl_waitpid($pid, $status, WNOHANG) === 0) {
                if (microtime(true) > $deadline) {
                    foreach ($pids as $p) {
                        posix_kill($p, SIGKILL);
                    }
                    self::fail('a forked child hung');
                }
                usleep(20_000);
            }
            self::assertTrue(pcntl_wifexited($status), 'child died of a signal');
            self::assertSame(0, pcntl_wexitstatus($status));
        }
        self::assertSame(20, $chat->getConversation($c['id'])['message_count'], 'no lost update of the counter');
        self::assertSame(20, self::countRows('messages', ['conversation_id' => $c['id']]));
    }
}
