package io.raftlimiter.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditLogTest {
  private final AuditLog audit =
      new AuditLog(Clock.fixed(Instant.parse("2026-12-05T12:00:00Z"), ZoneOffset.UTC));

  @Test
  void aLineIsOneJsonObjectWhateverTheKeyHolds() {
    audit.record("admin token from /127.0.0.1:5", "bucket.reset", "\"evil\n{\"forged\":1}\"",
        "", "full", "ok");
    AuditLog.Entry entry = audit.recent().get(0);
    String line = entry.toJson();
    assertFalse(line.contains("\n"), "a newline in a key cannot start a new log line: " + line);
    assertEquals("\"evil\n{\"forged\":1}\"",
        JsonParser.parseString(line).getAsJsonObject().get("target").getAsString());
    assertEquals("2026-12-05T12:00:00Z",
        JsonParser.parseString(line).getAsJsonObject().get("time").getAsString());
  }

  @Test
  void whatIsKeptIsBoundedInCountAndInSize() {
    for (int i = 0; i < AuditLog.KEPT + 5; i++) {
      audit.record("c", "limits.set", "\"p" + i + "\"", "x".repeat(10_000), "none", "ok");
    }
    List<AuditLog.Entry> kept = audit.recent();
    assertEquals(AuditLog.KEPT, kept.size());
    assertEquals("\"p5\"", kept.get(0).target(), "the oldest went first");
    assertTrue(kept.get(0).before().length() < AuditLog.MAX_FIELD_CHARS + 40);
    assertTrue(kept.get(0).before().endsWith("(7952 more characters)"), kept.get(0).before());
  }
}
