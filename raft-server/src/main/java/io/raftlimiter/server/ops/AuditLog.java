package io.raftlimiter.server.ops;

import com.google.gson.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A line for every change an operator asks of the cluster through this node (limit rules, bucket
 * resets, drains), with who asked, what it was before and after, and how it ended; refusals too.
 * Lines go to the logger {@code raftlimiter.audit} as one JSON object each (so that a key or a
 * prefix holding a newline cannot forge a line), and the last {@link #KEPT} stay in memory for
 * the status page.
 */
public final class AuditLog {
  /** Changes kept in memory. */
  public static final int KEPT = 100;
  /** The most characters of one field: with {@link #KEPT}, the memory held is bounded. */
  public static final int MAX_FIELD_CHARS = 2_048;
  private static final Logger LOG = LoggerFactory.getLogger("raftlimiter.audit");

  /**
   * @param before the state before, as this node saw it when asked; "" when there was none
   * @param outcome "ok" or why it was refused
   */
  public record Entry(Instant time, String caller, String action, String target, String before,
      String after, String outcome) {
    String toJson() {
      return json().toString();
    }

    JsonObject json() {
      JsonObject json = new JsonObject();
      json.addProperty("time", time.toString());
      json.addProperty("caller", caller);
      json.addProperty("action", action);
      json.addProperty("target", target);
      json.addProperty("before", before);
      json.addProperty("after", after);
      json.addProperty("outcome", outcome);
      return json;
    }
  }

  private final Clock clock;
  private final ArrayDeque<Entry> recent = new ArrayDeque<>();

  public AuditLog(Clock clock) {
    this.clock = clock;
  }

  public void record(String caller, String action, String target, String before, String after,
      String outcome) {
    Entry entry = new Entry(clock.instant(), bounded(caller), action, bounded(target),
        bounded(before), bounded(after), bounded(outcome));
    LOG.info("{}", entry.toJson());
    synchronized (recent) {
      if (recent.size() == KEPT) {
        recent.removeFirst();
      }
      recent.addLast(entry);
    }
  }

  private static String bounded(String field) {
    return field.length() <= MAX_FIELD_CHARS ? field : field.substring(0, MAX_FIELD_CHARS)
        + "... (" + (field.length() - MAX_FIELD_CHARS) + " more characters)";
  }

  /** The last changes, oldest first. */
  public List<Entry> recent() {
    synchronized (recent) {
      return List.copyOf(recent);
    }
  }
}
