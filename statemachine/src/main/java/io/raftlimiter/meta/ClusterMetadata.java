package io.raftlimiter.meta;

import io.raftlimiter.bucket.BucketLimit;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cluster's metadata at one point of the metadata group's log, immutable: the shape it was
 * created with and the limit rules. {@code version} is the log index of the last change, so a
 * larger version is always newer.
 *
 * <p>{@link #apply} is the whole state transition, pure and deterministic, so every replica of the
 * metadata group computes the same metadata from the same log.
 */
public record ClusterMetadata(long version, ClusterShape shape, LimitRules rules) {
  public static final ClusterMetadata EMPTY = new ClusterMetadata(0, null, LimitRules.NONE);
  /** How a refusal to remove a rule that does not exist begins. */
  public static final String NO_SUCH_RULE = "no rule for prefix";

  /** What a command did: the metadata after it, and why it was refused (null when it was not). */
  public record Outcome(ClusterMetadata metadata, String refusal) {
    public boolean refused() {
      return refusal != null;
    }
  }

  /** Applies {@code command}, found at log index {@code index}. A refusal changes nothing. */
  public Outcome apply(MetaCommand command, long index) {
    if (command instanceof MetaCommand.SetRule set) {
      return setRule(set, index);
    }
    if (command instanceof MetaCommand.RemoveRule remove) {
      return removeRule(remove, index);
    }
    return recordShape((MetaCommand.RecordShape) command, index);
  }

  private Outcome setRule(MetaCommand.SetRule set, long index) {
    String invalid = invalidPrefix(set.prefix());
    if (invalid != null) {
      return refuse(invalid);
    }
    Map<String, BucketLimit> next = new TreeMap<>(rules.asMap());
    next.put(set.prefix(), set.limit());
    if (next.size() > MetaCommand.MAX_RULES) {
      return refuse("the cluster holds " + MetaCommand.MAX_RULES + " rules already, the most allowed");
    }
    return changed(shape, LimitRules.of(next), index);
  }

  private Outcome removeRule(MetaCommand.RemoveRule remove, long index) {
    if (!rules.asMap().containsKey(remove.prefix())) {
      return refuse(NO_SUCH_RULE + " \"" + remove.prefix() + "\"");
    }
    Map<String, BucketLimit> next = new TreeMap<>(rules.asMap());
    next.remove(remove.prefix());
    return changed(shape, LimitRules.of(next), index);
  }

  private Outcome recordShape(MetaCommand.RecordShape record, long index) {
    if (shape != null) {
      return shape.equals(record.shape()) ? new Outcome(this, null)
          : refuse("the cluster was created as " + shape + ", not " + record.shape());
    }
    return changed(record.shape(), rules, index);
  }

  /** Why {@code prefix} cannot be a rule's prefix, or null when it can. */
  public static String invalidPrefix(String prefix) {
    int bytes = prefix.getBytes(StandardCharsets.UTF_8).length;
    return bytes > MetaCommand.MAX_PREFIX_BYTES
        ? "prefix is " + bytes + " UTF-8 bytes; at most " + MetaCommand.MAX_PREFIX_BYTES
            + " are allowed"
        : null;
  }

  private Outcome changed(ClusterShape newShape, LimitRules newRules, long index) {
    return new Outcome(new ClusterMetadata(index, newShape, newRules), null);
  }

  private Outcome refuse(String why) {
    return new Outcome(this, why);
  }
}
