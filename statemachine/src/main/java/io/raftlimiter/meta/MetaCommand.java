package io.raftlimiter.meta;

import io.raftlimiter.bucket.BucketLimit;
import java.util.List;

/** A change to the cluster metadata: what an entry of the metadata group's log carries. */
public sealed interface MetaCommand {
  /** Longest prefix in bytes: the longest key is 512 bytes, so no longer prefix can match. */
  int MAX_PREFIX_BYTES = 512;
  /** Rules a cluster may hold: the table is copied to every node and matched on every acquire. */
  int MAX_RULES = 10_000;
  /**
   * All rules' prefixes together, in UTF-8 bytes: every node holds the rules, builds their index
   * again on every change and is sent them whole on every metadata read, so their size is
   * bounded in bytes, not only in count (10,000 rules of 512 bytes would be 5 MB a read). The
   * same check in apply on every replica keeps replay deterministic.
   */
  int MAX_PREFIX_BYTES_TOTAL = 1 << 20;

  /**
   * Keys starting with {@code prefix} run under {@code limit} (unless a longer prefix matches);
   * in {@code shadow} mode their refusals are answered as allowed.
   */
  record SetRule(String prefix, BucketLimit limit, boolean shadow) implements MetaCommand {
    /** An enforced rule. */
    public SetRule(String prefix, BucketLimit limit) {
      this(prefix, limit, false);
    }
  }

  /**
   * Replaces every rule at once with {@code rules} (limits as code: one entry, so no node ever
   * sees half a change), but only while the current rules have {@code expectedDigest}
   * ({@link LimitRules#digest()}); an empty one replaces whatever is there.
   */
  record ReplaceRules(LimitRules rules, String expectedDigest) implements MetaCommand {
    /** Longest digest: SHA-256 in hex. */
    public static final int DIGEST_CHARS = 64;

    public ReplaceRules {
      if (rules == null || expectedDigest == null) {
        throw new IllegalArgumentException("rules and expected digest must not be null");
      }
    }
  }

  /** Drops the rule for exactly {@code prefix}. */
  record RemoveRule(String prefix) implements MetaCommand {}

  /** Records the shape the cluster was created with; only the first one is kept. */
  record RecordShape(ClusterShape shape) implements MetaCommand {}

  /** Marks a member dead (silent for longer than the failure detector allows) or alive again. */
  record MarkDead(String node, boolean dead) implements MetaCommand {}

  /** A node joins the cluster ({@code id=host:raftPort:clientPort}). */
  record AddMember(String spec) implements MetaCommand {}

  /** A member is drained (its replicas moved elsewhere) before its removal, or no longer. */
  record SetLeaving(String node, boolean leaving) implements MetaCommand {}

  /** A drained member that holds no replica leaves the cluster. */
  record RemoveMember(String node) implements MetaCommand {}

  /** Records where a data group's replicas are, after its Raft configuration was changed. */
  record SetReplicas(int group, List<String> replicas) implements MetaCommand {
    public SetReplicas {
      replicas = List.copyOf(replicas);
    }
  }

  /**
   * Records where the metadata group's replicas are, after its Raft configuration was changed
   * (moved off a dead, drained or wiped member).
   */
  record SetMetadataReplicas(List<String> replicas) implements MetaCommand {
    public SetMetadataReplicas {
      replicas = List.copyOf(replicas);
    }
  }

  /**
   * Records the storage id a member's replicas live in. The controller records the id a member
   * first reports; a member that later reports another one restarted on an empty disk, and the
   * controller records its new id once none of its old replicas is left in any configuration.
   */
  record RecordStorage(String node, String storageId) implements MetaCommand {
    /** Longest storage id: a UUID is 36 characters. */
    public static final int MAX_ID_CHARS = 64;
  }

  /**
   * {@code command}, issued by the replica controller while it led the metadata group in
   * {@code term}. Applied only from an entry of that term: a controller deposed since (whose
   * command reached its successor, and was appended in a later term) is refused, so its steps,
   * planned from what it saw before, cannot overwrite its successor's.
   */
  record Fenced(long term, MetaCommand command) implements MetaCommand {
    public Fenced {
      if (command == null || command instanceof Fenced) {
        throw new IllegalArgumentException("a fenced command holds one plain command");
      }
    }
  }
}
