package io.raftlimiter.meta;

import io.raftlimiter.bucket.BucketLimit;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The cluster's metadata at one point of the metadata group's log, immutable: the shape it was
 * created with, the limit rules, and the membership (dead members, where groups' replicas are).
 * {@code version} is the log index of the last change, so a larger version is always newer.
 *
 * <p>{@link #apply} is the whole state transition, pure and deterministic, so every replica of the
 * metadata group computes the same metadata from the same log.
 */
public record ClusterMetadata(long version, ClusterShape shape, LimitRules rules,
    Membership membership) {
  public static final ClusterMetadata EMPTY =
      new ClusterMetadata(0, null, LimitRules.NONE, Membership.INITIAL);
  /** How a refusal to remove a rule that does not exist begins. */
  public static final String NO_SUCH_RULE = "no rule for prefix";
  /** How a refusal to replace rules that changed since the caller read them begins. */
  public static final String RULES_CHANGED = "the rules changed since they were read";
  /** How a refusal of a rule that would take the rule set past its bounds begins. */
  public static final String RULE_SET_FULL = "the rule set is full";

  /**
   * Applies {@code command}, found at log index {@code index} in an entry of {@code term}: a
   * {@link MetaCommand.Fenced} command only if {@code term} is the one it was issued in.
   */
  public MetaReply apply(MetaCommand command, long term, long index) {
    if (command instanceof MetaCommand.Fenced fenced) {
      return fenced.term() == term ? apply(fenced.command(), index)
          : refuse("issued by the controller of metadata term " + fenced.term()
              + ", which was over when it was logged (term " + term + ")");
    }
    return apply(command, index);
  }

  /** Applies {@code command}, found at log index {@code index}. A refusal changes nothing. */
  public MetaReply apply(MetaCommand command, long index) {
    if (command instanceof MetaCommand.Fenced fenced) {
      throw new IllegalArgumentException("a fenced command needs its entry's term: " + fenced);
    }
    if (command instanceof MetaCommand.SetRule set) {
      return setRule(set, index);
    }
    if (command instanceof MetaCommand.RemoveRule remove) {
      return removeRule(remove, index);
    }
    if (command instanceof MetaCommand.ReplaceRules replace) {
      return replaceRules(replace, index);
    }
    if (command instanceof MetaCommand.MarkDead mark) {
      return markDead(mark.node(), mark.dead(), index);
    }
    if (command instanceof MetaCommand.SetReplicas set) {
      return setReplicas(set, index);
    }
    if (command instanceof MetaCommand.AddMember add) {
      return addMember(add.spec(), index);
    }
    if (command instanceof MetaCommand.SetLeaving leave) {
      String invalid = notAMember(leave.node());
      return invalid != null ? refuse(invalid)
          : changed(shape, rules, membership.withLeaving(leave.node(), leave.leaving()), index);
    }
    if (command instanceof MetaCommand.RemoveMember remove) {
      return removeMember(remove.node(), index);
    }
    if (command instanceof MetaCommand.SetMetadataReplicas set) {
      String invalid = invalidReplicas(set.replicas());
      return invalid != null ? refuse(invalid)
          : changed(shape, rules, membership.withMetadataReplicas(set.replicas()), index);
    }
    if (command instanceof MetaCommand.RecordStorage storage) {
      return recordStorage(storage, index);
    }
    return recordShape((MetaCommand.RecordShape) command, index);
  }

  private MetaReply setRule(MetaCommand.SetRule set, long index) {
    String invalid = invalidRule(set);
    if (invalid != null) {
      return refuse(invalid);
    }
    Map<String, BucketLimit> next = new TreeMap<>(rules.asMap());
    next.put(set.prefix(), set.limit());
    Set<String> shadowed = new TreeSet<>(rules.shadowedPrefixes());
    if (set.shadow()) {
      shadowed.add(set.prefix());
    } else {
      shadowed.remove(set.prefix());
    }
    return changed(shape, LimitRules.of(next, shadowed), membership, index);
  }

  private MetaReply replaceRules(MetaCommand.ReplaceRules replace, long index) {
    if (!replace.expectedDigest().isEmpty()
        && !replace.expectedDigest().equals(rules.digest())) {
      return refuse(RULES_CHANGED + ": they were read at digest " + replace.expectedDigest()
          + " and are now at " + rules.digest() + "; read them again and apply again");
    }
    LimitRules next = replace.rules();
    if (next.prefixBytes() > MetaCommand.MAX_PREFIX_BYTES_TOTAL) {
      return refuse(RULE_SET_FULL + ": its prefixes would total " + next.prefixBytes()
          + " UTF-8 bytes; at most " + MetaCommand.MAX_PREFIX_BYTES_TOTAL + " are allowed");
    }
    return changed(shape, next, membership, index);
  }

  private MetaReply removeRule(MetaCommand.RemoveRule remove, long index) {
    if (!rules.asMap().containsKey(remove.prefix())) {
      return refuse(NO_SUCH_RULE + " \"" + remove.prefix() + "\"");
    }
    Map<String, BucketLimit> next = new TreeMap<>(rules.asMap());
    next.remove(remove.prefix());
    return changed(shape, LimitRules.of(next, rules.shadowedPrefixes()), membership, index);
  }

  private MetaReply recordShape(MetaCommand.RecordShape record, long index) {
    if (shape != null) {
      return shape.equals(record.shape()) ? new MetaReply(null, this)
          : refuse("the cluster was created as " + shape + ", not " + record.shape());
    }
    return changed(record.shape(), rules, membership, index);
  }

  private MetaReply markDead(String node, boolean dead, long index) {
    String invalid = notAMember(node);
    if (invalid != null) {
      return refuse(invalid);
    }
    if (membership.dead().contains(node) == dead) {
      return new MetaReply(null, this); // already so
    }
    return changed(shape, rules, membership.withDead(node, dead), index);
  }

  private MetaReply setReplicas(MetaCommand.SetReplicas set, long index) {
    if (shape == null) {
      return refuse("the cluster's shape is not recorded yet");
    }
    if (set.group() < 0 || set.group() >= shape.groups()) {
      return refuse("group " + set.group() + " is not one of the " + shape.groups());
    }
    String invalid = invalidReplicas(set.replicas());
    return invalid != null ? refuse(invalid)
        : changed(shape, rules, membership.withReplicas(set.group(), set.replicas()), index);
  }

  /** Why {@code replicas} cannot be a group's replicas, or null when they can. */
  private String invalidReplicas(List<String> replicas) {
    if (shape == null) {
      return "the cluster's shape is not recorded yet";
    }
    if (replicas.isEmpty() || replicas.stream().distinct().count() != replicas.size()) {
      return "replicas must be distinct and at least one: " + replicas;
    }
    for (String node : replicas) {
      String invalid = notAMember(node);
      if (invalid != null) {
        return invalid;
      }
    }
    return null;
  }

  private MetaReply recordStorage(MetaCommand.RecordStorage storage, long index) {
    String invalid = notAMember(storage.node());
    if (invalid != null) {
      return refuse(invalid);
    }
    String id = storage.storageId();
    if (id.isEmpty() || id.length() > MetaCommand.RecordStorage.MAX_ID_CHARS) {
      return refuse("a storage id is 1 to " + MetaCommand.RecordStorage.MAX_ID_CHARS
          + " characters, not " + id.length());
    }
    if (id.equals(membership.storageIds().get(storage.node()))) {
      return new MetaReply(null, this); // already so
    }
    return changed(shape, rules, membership.withStorage(storage.node(), id), index);
  }

  /**
   * The metadata group's replicas: as recorded once the controller has moved the group, else the
   * founding replicas (the first {@code founding} founding members in {@code order}).
   */
  public List<String> metadataReplicas(Comparator<String> order, int founding) {
    if (!membership.metadataReplicas().isEmpty()) {
      return membership.metadataReplicas();
    }
    return foundingMemberIds().stream().sorted(order).limit(founding).toList();
  }

  /**
   * The members now, by id, each with its {@code id=host:raftPort:clientPort}: those the cluster
   * was created with and those that joined, less those removed.
   */
  public SortedMap<String, String> members() {
    SortedMap<String, String> members = new TreeMap<>();
    if (shape != null) {
      shape.members().forEach(spec -> members.put(idOf(spec), spec));
    }
    members.putAll(membership.joined());
    membership.removed().forEach(members::remove);
    return members;
  }

  /** The ids of the members now. */
  public List<String> memberIds() {
    return List.copyOf(members().keySet());
  }

  /** The ids of the members the cluster was created with: what its first placement used. */
  public List<String> foundingMemberIds() {
    return shape == null ? List.of() : shape.members().stream().map(ClusterMetadata::idOf).toList();
  }

  /** The node id of a member spec {@code id=host:raftPort:clientPort}. */
  public static String idOf(String spec) {
    int equals = spec.indexOf('=');
    return equals < 0 ? spec : spec.substring(0, equals);
  }

  private MetaReply addMember(String spec, long index) {
    if (shape == null) {
      return refuse("the cluster's shape is not recorded yet");
    }
    String invalid = MemberSpec.problem(spec);
    if (invalid != null) {
      return refuse(invalid);
    }
    String id = idOf(spec);
    String known = members().get(id);
    if (known != null) {
      return known.equals(spec) ? new MetaReply(null, this)
          : refuse(id + " is a member already, as " + known);
    }
    return changed(shape, rules, membership.withJoined(id, spec), index);
  }

  private MetaReply removeMember(String node, long index) {
    String invalid = notAMember(node);
    if (invalid != null) {
      return refuse(invalid);
    }
    if (!membership.leaving().contains(node)) {
      return refuse(node + " must be drained (leaving) before it is removed");
    }
    for (var group : membership.replicas().entrySet()) {
      if (group.getValue().contains(node)) {
        return refuse(node + " still holds a replica of group " + group.getKey());
      }
    }
    if (membership.metadataReplicas().contains(node)) {
      return refuse(node + " still holds a replica of the metadata group");
    }
    return changed(shape, rules, membership.withRemoved(node), index);
  }

  private String notAMember(String node) {
    return memberIds().contains(node) ? null : node + " is not a member of the cluster";
  }

  /**
   * Why {@code set} cannot be applied to this metadata, or null when it can: its prefix is too
   * long, or the rules would be too many or too large ({@link MetaCommand#MAX_RULES},
   * {@link MetaCommand#MAX_PREFIX_BYTES_TOTAL}). Checked before the rules are copied, so a refused
   * rule costs apply nothing, and counted from the rules alone, so every replica agrees.
   */
  public String invalidRule(MetaCommand.SetRule set) {
    String invalid = invalidPrefix(set.prefix());
    if (invalid != null) {
      return invalid;
    }
    if (rules.asMap().containsKey(set.prefix())) {
      return null; // replaces a rule: the same count and bytes
    }
    if (rules.size() >= MetaCommand.MAX_RULES) {
      return RULE_SET_FULL + ": it holds " + rules.size() + " rules, the most allowed";
    }
    long bytes = rules.prefixBytes() + utf8Length(set.prefix());
    return bytes > MetaCommand.MAX_PREFIX_BYTES_TOTAL
        ? RULE_SET_FULL + ": its prefixes would total " + bytes + " UTF-8 bytes; at most "
            + MetaCommand.MAX_PREFIX_BYTES_TOTAL + " are allowed (remove rules to make room)"
        : null;
  }

  private static int utf8Length(String value) {
    return value.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Why {@code prefix} cannot be a rule's prefix, or null when it can. */
  public static String invalidPrefix(String prefix) {
    int bytes = utf8Length(prefix);
    return bytes > MetaCommand.MAX_PREFIX_BYTES
        ? "prefix is " + bytes + " UTF-8 bytes; at most " + MetaCommand.MAX_PREFIX_BYTES
            + " are allowed"
        : null;
  }

  private MetaReply changed(ClusterShape newShape, LimitRules newRules, Membership newMembership,
      long index) {
    return new MetaReply(null, new ClusterMetadata(index, newShape, newRules, newMembership));
  }

  private MetaReply refuse(String why) {
    return new MetaReply(why, this);
  }
}
