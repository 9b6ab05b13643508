package io.raftlimiter.bench.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RespTest {
  private static InputStream in(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void writesCommandsAsArraysOfBulkStrings() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Resp.writeCommand(out, "EVALSHA", "abc", "1", "kéy");
    assertEquals("*4\r\n$7\r\nEVALSHA\r\n$3\r\nabc\r\n$1\r\n1\r\n$4\r\nkéy\r\n",
        out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void readsEveryReplyTypeInOrder() throws Exception {
    InputStream stream = in("+PONG\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*2\r\n:1\r\n:99\r\n"
        + "-NOSCRIPT No matching script\r\n*-1\r\n");
    assertEquals("PONG", Resp.readReply(stream));
    assertEquals(42L, Resp.readReply(stream));
    assertEquals("hello", Resp.readReply(stream));
    assertNull(Resp.readReply(stream));
    assertEquals(List.of(1L, 99L), Resp.readReply(stream));
    Object error = Resp.readReply(stream);
    assertTrue(error instanceof RespError);
    assertEquals("NOSCRIPT", ((RespError) error).kind());
    assertNull(Resp.readReply(stream));
    assertThrows(EOFException.class, () -> Resp.readReply(stream));
  }

  @Test
  void aTruncatedReplyIsAnError() {
    assertThrows(EOFException.class, () -> Resp.readReply(in("$10\r\nabc")));
  }

  @Test
  void theBucketScriptAnswerIsReadAsAllowedOrNot() {
    assertTrue(RedisTokenBucket.isAllowed(List.of(1L, 99L)));
    assertEquals(false, RedisTokenBucket.isAllowed(List.of(0L, 0L)));
    assertThrows(RespError.class, () -> RedisTokenBucket.isAllowed(new RespError("ERR x")));
  }
}
