package io.raftlimiter.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Marker;

/**
 * Lets a warning of the chosen loggers through once per interval for each subject, and drops
 * the repeats in between. A Raft leader whose follower is down tries to reach it again at every
 * new log entry, and Ratis 3.2 logs every failed attempt at WARN with a changing count and
 * index that defeat its own de-duplication: 400-700 lines a second under load, a 100 MB log
 * file every few minutes, for as long as the follower is away. The lines that do get through
 * carry the attempt count, so the log still says how long the follower has been unreachable.
 *
 * <p>A warning's subject is its logger, its message pattern and its first argument (Ratis puts
 * the appender, "leader->follower", there), so one follower's failures do not hide another's.
 * At most {@link #MAX_SUBJECTS} subjects are remembered, the oldest forgotten first.
 */
final class RepeatedWarningFilter extends TurboFilter {
  static final int MAX_SUBJECTS = 1_024;

  private final Set<String> loggers;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  /** When each subject's last warning was let through. */
  private final Map<String, Long> lastLogged = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > MAX_SUBJECTS;
    }
  };

  /**
   * @param loggers the names of the loggers whose warnings are filtered (exact names)
   */
  RepeatedWarningFilter(Set<String> loggers, long intervalNanos, LongSupplier nanoClock) {
    this.loggers = Set.copyOf(loggers);
    this.intervalNanos = intervalNanos;
    this.nanoClock = nanoClock;
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format,
      Object[] params, Throwable t) {
    if (level == null || level != Level.WARN || format == null
        || !loggers.contains(logger.getName())) {
      return FilterReply.NEUTRAL;
    }
    String subject = logger.getName() + '\u0000' + format + '\u0000'
        + (params == null || params.length == 0 ? "" : String.valueOf(params[0]));
    long now = nanoClock.getAsLong();
    synchronized (lastLogged) {
      Long last = lastLogged.get(subject);
      if (last != null && now - last < intervalNanos) {
        return FilterReply.DENY;
      }
      lastLogged.put(subject, now);
    }
    return FilterReply.NEUTRAL;
  }
}
