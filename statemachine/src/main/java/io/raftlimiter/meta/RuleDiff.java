package io.raftlimiter.meta;

import io.raftlimiter.bucket.BucketLimit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What replacing one rule set with another changes, rule by rule, in prefix order: what
 * {@code rlctl limits apply} shows before (or instead of, with {@code --dry-run}) applying.
 */
public record RuleDiff(List<Line> added, List<Line> changed, List<Line> removed) {
  /** One rule's change; {@code before} or {@code after} is null where the rule is absent. */
  public record Line(String prefix, String before, String after) {}

  public RuleDiff {
    added = List.copyOf(added);
    changed = List.copyOf(changed);
    removed = List.copyOf(removed);
  }

  public static RuleDiff between(LimitRules before, LimitRules after) {
    List<Line> added = new ArrayList<>();
    List<Line> changed = new ArrayList<>();
    List<Line> removed = new ArrayList<>();
    for (Map.Entry<String, BucketLimit> rule : after.asMap().entrySet()) {
      String prefix = rule.getKey();
      String now = describe(rule.getValue(), after.shadowedPrefixes().contains(prefix));
      BucketLimit old = before.asMap().get(prefix);
      if (old == null) {
        added.add(new Line(prefix, null, now));
      } else {
        String was = describe(old, before.shadowedPrefixes().contains(prefix));
        if (!was.equals(now)) {
          changed.add(new Line(prefix, was, now));
        }
      }
    }
    for (Map.Entry<String, BucketLimit> rule : before.asMap().entrySet()) {
      if (!after.asMap().containsKey(rule.getKey())) {
        removed.add(new Line(rule.getKey(), describe(rule.getValue(),
            before.shadowedPrefixes().contains(rule.getKey())), null));
      }
    }
    return new RuleDiff(added, changed, removed);
  }

  public boolean isEmpty() {
    return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
  }

  /** A rule's limit and mode as the diff and the audit log show them. */
  public static String describe(BucketLimit limit, boolean shadow) {
    return describe(limit.capacity(), limit.refillPerSecond(), shadow);
  }

  /** As {@link #describe(BucketLimit, boolean)}, for a limit not yet checked. */
  public static String describe(long capacity, double refillPerSecond, boolean shadow) {
    return String.format(Locale.ROOT, "capacity %d, refill %s/s%s", capacity,
        decimal(refillPerSecond), shadow ? ", shadow" : "");
  }

  private static String decimal(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
        : Double.toString(value);
  }

  /** One line per change, {@code +} added, {@code ~} changed, {@code -} removed. */
  public List<String> lines() {
    List<String> lines = new ArrayList<>();
    added.forEach(l -> lines.add("+ " + shown(l.prefix()) + ": " + l.after()));
    changed.forEach(l -> lines.add("~ " + shown(l.prefix()) + ": " + l.before() + " -> "
        + l.after()));
    removed.forEach(l -> lines.add("- " + shown(l.prefix()) + ": " + l.before()));
    return lines;
  }

  @Override
  public String toString() {
    return added.size() + " added, " + changed.size() + " changed, " + removed.size()
        + " removed";
  }

  private static String shown(String prefix) {
    return prefix.isEmpty() ? "'' (default)" : "'" + prefix + "'";
  }
}
