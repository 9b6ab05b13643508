package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RepeatedWarningFilterTest {
  private static final String APPENDER = "org.apache.ratis.grpc.server.GrpcLogAppender";
  private static final String FAILED =
      "{}: Follower failed (request=null, errorCount={}); keep nextIndex ({}) unchanged and retry.{}";

  private final LoggerContext context = new LoggerContext();
  private final AtomicLong now = new AtomicLong();
  private final RepeatedWarningFilter filter =
      new RepeatedWarningFilter(Set.of(APPENDER), TimeUnit.SECONDS.toNanos(10), now::get);

  private FilterReply warn(String logger, String format, Object... params) {
    Logger target = context.getLogger(logger);
    return filter.decide(null, target, Level.WARN, format, params, null);
  }

  @Test
  void aRepeatedWarningGetsThroughOncePerIntervalWhateverItsCountsSay() {
    assertEquals(FilterReply.NEUTRAL, warn(APPENDER, FAILED, "n1@g->n3", 1, 536, ""));
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(5));
    assertEquals(FilterReply.DENY, warn(APPENDER, FAILED, "n1@g->n3", 3, 537, ""));
    now.addAndGet(TimeUnit.SECONDS.toNanos(9));
    assertEquals(FilterReply.DENY, warn(APPENDER, FAILED, "n1@g->n3", 4_001, 2_537, ""));
    now.addAndGet(TimeUnit.SECONDS.toNanos(1));
    assertEquals(FilterReply.NEUTRAL, warn(APPENDER, FAILED, "n1@g->n3", 4_401, 2_737, ""),
        "ten seconds on: the count so far is logged");
  }

  @Test
  void eachFollowerAndEachMessageHasItsOwnTurn() {
    assertEquals(FilterReply.NEUTRAL, warn(APPENDER, FAILED, "n1@g->n3", 1, 5, ""));
    assertEquals(FilterReply.NEUTRAL, warn(APPENDER, FAILED, "n1@g->n2", 1, 5, ""),
        "another follower");
    assertEquals(FilterReply.NEUTRAL, warn(APPENDER, "{}: Timed out appendEntries", "n1@g->n3"),
        "another message");
    assertEquals(FilterReply.DENY, warn(APPENDER, FAILED, "n1@g->n2", 2, 6, ""));
  }

  @Test
  void otherLoggersAndLevelsAreLeftAlone() {
    for (int i = 0; i < 3; i++) {
      assertEquals(FilterReply.NEUTRAL, warn("io.raftlimiter.server.RaftNode", FAILED, "x"));
      assertEquals(FilterReply.NEUTRAL, filter.decide(null, context.getLogger(APPENDER),
          Level.INFO, FAILED, new Object[] {"n1@g->n3"}, null));
      assertEquals(FilterReply.NEUTRAL, filter.decide(null, context.getLogger(APPENDER),
          Level.ERROR, FAILED, new Object[] {"n1@g->n3"}, null));
    }
  }

  @Test
  void subjectsAreBoundedTheOldestForgottenFirst() {
    for (int i = 0; i <= RepeatedWarningFilter.MAX_SUBJECTS; i++) {
      warn(APPENDER, FAILED, "follower " + i);
    }
    assertEquals(FilterReply.NEUTRAL, warn(APPENDER, FAILED, "follower 0"), "forgotten");
    assertEquals(FilterReply.DENY, warn(APPENDER, FAILED,
        "follower " + RepeatedWarningFilter.MAX_SUBJECTS), "remembered");
  }
}
