package io.raftlimiter.meta;

import io.raftlimiter.bucket.BucketLimit;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Binary forms of metadata commands (log entries) and of whole metadata (snapshots and read
 * replies). Each starts with a format byte; strings are UTF-8 with an int length. Decoding
 * rejects anything malformed with an {@link IllegalArgumentException}, never a partial value.
 */
public final class MetaCodec {
  private static final byte FORMAT = 1;
  private static final byte SET_RULE = 1;
  private static final byte REMOVE_RULE = 2;
  private static final byte RECORD_SHAPE = 3;
  private static final byte MARK_DEAD = 4;
  private static final byte SET_REPLICAS = 5;
  private static final byte ADD_MEMBER = 6;
  private static final byte SET_LEAVING = 7;
  private static final byte REMOVE_MEMBER = 8;
  private static final byte FENCED = 9;
  private static final byte SET_METADATA_REPLICAS = 10;
  private static final byte RECORD_STORAGE = 11;
  /** A {@link MetaCommand.SetRule} in shadow mode; an enforced one stays {@link #SET_RULE}. */
  private static final byte SET_SHADOW_RULE = 12;
  private static final byte REPLACE_RULES = 13;
  /** No string in metadata comes near this; a larger length means a corrupt input. */
  private static final int MAX_STRING_BYTES = 1 << 20;
  private static final int MAX_MEMBERS = 10_000;

  private MetaCodec() {}

  public static byte[] encode(MetaCommand command) {
    return write(out -> {
      out.writeByte(FORMAT);
      if (command instanceof MetaCommand.SetRule set) {
        out.writeByte(set.shadow() ? SET_SHADOW_RULE : SET_RULE);
        writeString(out, set.prefix());
        writeLimit(out, set.limit());
      } else if (command instanceof MetaCommand.ReplaceRules replace) {
        out.writeByte(REPLACE_RULES);
        writeString(out, replace.expectedDigest());
        writeRules(out, replace.rules());
      } else if (command instanceof MetaCommand.RemoveRule remove) {
        out.writeByte(REMOVE_RULE);
        writeString(out, remove.prefix());
      } else if (command instanceof MetaCommand.MarkDead mark) {
        out.writeByte(MARK_DEAD);
        writeString(out, mark.node());
        out.writeBoolean(mark.dead());
      } else if (command instanceof MetaCommand.AddMember add) {
        out.writeByte(ADD_MEMBER);
        writeString(out, add.spec());
      } else if (command instanceof MetaCommand.SetLeaving leave) {
        out.writeByte(SET_LEAVING);
        writeString(out, leave.node());
        out.writeBoolean(leave.leaving());
      } else if (command instanceof MetaCommand.RemoveMember remove) {
        out.writeByte(REMOVE_MEMBER);
        writeString(out, remove.node());
      } else if (command instanceof MetaCommand.Fenced fenced) {
        out.writeByte(FENCED);
        out.writeLong(fenced.term());
        byte[] inner = encode(fenced.command());
        out.writeInt(inner.length);
        out.write(inner);
      } else if (command instanceof MetaCommand.SetMetadataReplicas set) {
        out.writeByte(SET_METADATA_REPLICAS);
        writeStrings(out, set.replicas());
      } else if (command instanceof MetaCommand.RecordStorage storage) {
        out.writeByte(RECORD_STORAGE);
        writeString(out, storage.node());
        writeString(out, storage.storageId());
      } else if (command instanceof MetaCommand.SetReplicas set) {
        out.writeByte(SET_REPLICAS);
        out.writeInt(set.group());
        writeStrings(out, set.replicas());
      } else {
        out.writeByte(RECORD_SHAPE);
        writeShape(out, ((MetaCommand.RecordShape) command).shape());
      }
    });
  }

  public static MetaCommand decodeCommand(byte[] bytes) {
    return read(bytes, in -> {
      readFormat(in);
      byte type = in.readByte();
      return switch (type) {
        case SET_RULE -> new MetaCommand.SetRule(readString(in), readLimit(in), false);
        case SET_SHADOW_RULE -> new MetaCommand.SetRule(readString(in), readLimit(in), true);
        case REMOVE_RULE -> new MetaCommand.RemoveRule(readString(in));
        case REPLACE_RULES -> readReplaceRules(in);
        case RECORD_SHAPE -> new MetaCommand.RecordShape(readShape(in));
        case MARK_DEAD -> new MetaCommand.MarkDead(readString(in), in.readBoolean());
        case SET_REPLICAS -> new MetaCommand.SetReplicas(in.readInt(), readStrings(in));
        case ADD_MEMBER -> new MetaCommand.AddMember(readString(in));
        case SET_LEAVING -> new MetaCommand.SetLeaving(readString(in), in.readBoolean());
        case REMOVE_MEMBER -> new MetaCommand.RemoveMember(readString(in));
        case SET_METADATA_REPLICAS -> new MetaCommand.SetMetadataReplicas(readStrings(in));
        case RECORD_STORAGE -> new MetaCommand.RecordStorage(readString(in), readString(in));
        case FENCED -> {
          long term = in.readLong();
          int length = in.readInt();
          if (length < 0 || length > in.available()) {
            throw new IllegalArgumentException("bad fenced command length " + length);
          }
          byte[] inner = new byte[length];
          in.readFully(inner);
          MetaCommand command = decodeCommand(inner);
          if (command instanceof MetaCommand.Fenced) {
            throw new IllegalArgumentException("a fenced command inside a fenced command");
          }
          yield new MetaCommand.Fenced(term, command);
        }
        default -> throw new IllegalArgumentException("unknown metadata command " + type);
      };
    });
  }

  public static byte[] encode(ClusterMetadata metadata) {
    return write(out -> {
      out.writeByte(FORMAT);
      out.writeLong(metadata.version());
      out.writeBoolean(metadata.shape() != null);
      if (metadata.shape() != null) {
        writeShape(out, metadata.shape());
      }
      out.writeInt(metadata.rules().size());
      for (Map.Entry<String, BucketLimit> rule : metadata.rules().asMap().entrySet()) {
        writeString(out, rule.getKey());
        writeLimit(out, rule.getValue());
      }
      Membership membership = metadata.membership();
      writeStrings(out, List.copyOf(membership.joined().values()));
      writeStrings(out, List.copyOf(membership.leaving()));
      writeStrings(out, List.copyOf(membership.removed()));
      writeStrings(out, List.copyOf(membership.dead()));
      out.writeInt(metadata.membership().replicas().size());
      for (Map.Entry<Integer, List<String>> group : metadata.membership().replicas().entrySet()) {
        out.writeInt(group.getKey());
        writeStrings(out, group.getValue());
      }
      // Added after the first release: metadata written before ends here, and decodes with none.
      writeStrings(out, membership.metadataReplicas());
      out.writeInt(membership.storageIds().size());
      for (Map.Entry<String, String> storage : membership.storageIds().entrySet()) {
        writeString(out, storage.getKey());
        writeString(out, storage.getValue());
      }
      // Added later still, and only when there are any, so that metadata without shadow rules
      // reads on nodes of the build before: the rules in shadow mode.
      if (!metadata.rules().shadowedPrefixes().isEmpty()) {
        writeStrings(out, List.copyOf(metadata.rules().shadowedPrefixes()));
      }
    });
  }

  public static ClusterMetadata decodeMetadata(byte[] bytes) {
    return read(bytes, in -> {
      readFormat(in);
      long version = in.readLong();
      ClusterShape shape = in.readBoolean() ? readShape(in) : null;
      int count = in.readInt();
      if (count < 0 || count > MetaCommand.MAX_RULES) {
        throw new IllegalArgumentException("rule count " + count + " out of range");
      }
      Map<String, BucketLimit> rules = new TreeMap<>();
      for (int i = 0; i < count; i++) {
        String prefix = readString(in);
        String invalid = ClusterMetadata.invalidPrefix(prefix); // apply kept every one shorter
        if (invalid != null) {
          throw new IllegalArgumentException(invalid);
        }
        rules.put(prefix, readLimit(in));
      }
      Map<String, String> joined = new TreeMap<>();
      readStrings(in).forEach(spec -> joined.put(ClusterMetadata.idOf(spec), spec));
      List<String> leaving = readStrings(in);
      List<String> removed = readStrings(in);
      List<String> dead = readStrings(in);
      int groups = in.readInt();
      if (groups < 0 || groups > MAX_MEMBERS) {
        throw new IllegalArgumentException("group count " + groups + " out of range");
      }
      Map<Integer, List<String>> replicas = new TreeMap<>();
      for (int i = 0; i < groups; i++) {
        replicas.put(in.readInt(), readStrings(in));
      }
      List<String> metadataReplicas = List.of();
      Map<String, String> storageIds = new TreeMap<>();
      if (in.available() > 0) {
        metadataReplicas = readStrings(in);
        int stored = in.readInt();
        if (stored < 0 || stored > MAX_MEMBERS) {
          throw new IllegalArgumentException("storage id count " + stored + " out of range");
        }
        for (int i = 0; i < stored; i++) {
          storageIds.put(readString(in), readString(in));
        }
      }
      List<String> shadowed = in.available() > 0 ? readStrings(in) : List.of();
      return new ClusterMetadata(version, shape, LimitRules.of(rules, Set.copyOf(shadowed)),
          new Membership(new TreeMap<>(joined), new TreeSet<>(leaving), new TreeSet<>(removed),
              new TreeSet<>(dead), new TreeMap<>(replicas), metadataReplicas,
              new TreeMap<>(storageIds)));
    });
  }

  /**
   * What a command did: a refusal flag and message, then the version of the metadata after it.
   * Small on purpose: Ratis keeps every write's reply in its retry cache on every replica for a
   * minute, and a reply that carried the whole metadata (a megabyte with its rules) made 2,000
   * rule changes hold 1 GB there and ran the nodes out of memory.
   */
  public static byte[] encodeOutcome(String refusal, long version) {
    return write(out -> {
      out.writeByte(FORMAT);
      out.writeBoolean(refusal != null);
      if (refusal != null) {
        writeString(out, refusal);
      }
      out.writeLong(version);
    });
  }

  /** {@link #encodeOutcome}'s bytes. */
  public static MetaOutcome decodeOutcome(byte[] bytes) {
    return read(bytes, in -> {
      readFormat(in);
      String refusal = in.readBoolean() ? readString(in) : null;
      return new MetaOutcome(refusal, in.readLong());
    });
  }

  /** A reply: a refusal flag and message, then the metadata. */
  public static byte[] encodeReply(String refusal, ClusterMetadata metadata) {
    byte[] encodedMetadata = encode(metadata);
    return write(out -> {
      out.writeByte(FORMAT);
      out.writeBoolean(refusal != null);
      if (refusal != null) {
        writeString(out, refusal);
      }
      out.writeInt(encodedMetadata.length);
      out.write(encodedMetadata);
    });
  }

  public static MetaReply decodeReply(byte[] bytes) {
    return decodeReply(bytes, null);
  }

  /**
   * A reply, whose metadata is {@code known} itself when it has {@code known}'s version: a
   * version is the log index of the last change, so the same version is the same metadata, and
   * the nodes' periodic reads (every second, mostly of unchanged metadata) skip decoding it and
   * indexing its rules again.
   *
   * @param known the metadata the reader holds, or null
   */
  public static MetaReply decodeReply(byte[] bytes, ClusterMetadata known) {
    return read(bytes, in -> {
      readFormat(in);
      String refusal = in.readBoolean() ? readString(in) : null;
      int length = in.readInt();
      if (length < 0 || length > in.available()) {
        throw new IllegalArgumentException("metadata length " + length + " out of range");
      }
      byte[] metadata = in.readNBytes(length);
      return new MetaReply(refusal, known != null && hasVersion(metadata, known.version())
          ? known : decodeMetadata(metadata));
    });
  }

  /** Whether encoded metadata is of {@code version}, read from its header alone. */
  private static boolean hasVersion(byte[] metadata, long version) {
    return metadata.length >= 1 + Long.BYTES && metadata[0] == FORMAT
        && ByteBuffer.wrap(metadata, 1, Long.BYTES).getLong() == version;
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private static byte[] write(Writer writer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writer.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return bytes.toByteArray();
  }

  private static <T> T read(byte[] bytes, Reader<T> reader) {
    InputStream source = new ByteArrayInputStream(bytes);
    try (DataInputStream in = new DataInputStream(source)) {
      T value = reader.read(in);
      if (in.available() > 0) {
        throw new IllegalArgumentException(in.available() + " trailing bytes");
      }
      return value;
    } catch (EOFException e) {
      throw new IllegalArgumentException("truncated metadata", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed metadata: " + e.getMessage(), e);
    }
  }

  private static void readFormat(DataInputStream in) throws IOException {
    byte format = in.readByte();
    if (format != FORMAT) {
      throw new IllegalArgumentException("unknown metadata format " + format);
    }
  }

  private static void writeString(DataOutputStream out, String value) throws IOException {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static String readString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > MAX_STRING_BYTES) {
      throw new IllegalArgumentException("string length " + length + " out of range");
    }
    byte[] utf8 = in.readNBytes(length);
    if (utf8.length != length) {
      throw new EOFException();
    }
    return new String(utf8, StandardCharsets.UTF_8);
  }

  private static void writeStrings(DataOutputStream out, List<String> values) throws IOException {
    out.writeInt(values.size());
    for (String value : values) {
      writeString(out, value);
    }
  }

  private static List<String> readStrings(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 0 || count > MAX_MEMBERS) {
      throw new IllegalArgumentException("list length " + count + " out of range");
    }
    List<String> values = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      values.add(readString(in));
    }
    return values;
  }

  private static void writeLimit(DataOutputStream out, BucketLimit limit) throws IOException {
    out.writeLong(limit.capacity());
    out.writeLong(limit.refillMicrosPerSecond());
  }

  private static void writeRules(DataOutputStream out, LimitRules rules) throws IOException {
    out.writeInt(rules.size());
    for (Map.Entry<String, BucketLimit> rule : rules.asMap().entrySet()) {
      writeString(out, rule.getKey());
      writeLimit(out, rule.getValue());
      out.writeBoolean(rules.shadowedPrefixes().contains(rule.getKey()));
    }
  }

  /**
   * A {@link MetaCommand.ReplaceRules}, bounded as the rules are everywhere: at most
   * {@link MetaCommand#MAX_RULES} rules, each prefix valid and given once (their total bytes are
   * checked where the command is applied, as a refusal).
   */
  private static MetaCommand.ReplaceRules readReplaceRules(DataInputStream in)
      throws IOException {
    String expected = readString(in);
    if (expected.length() > MetaCommand.ReplaceRules.DIGEST_CHARS) {
      throw new IllegalArgumentException("a rules digest is at most "
          + MetaCommand.ReplaceRules.DIGEST_CHARS + " characters, got " + expected.length());
    }
    int count = in.readInt();
    if (count < 0 || count > MetaCommand.MAX_RULES) {
      throw new IllegalArgumentException("rule count " + count + " out of range");
    }
    Map<String, BucketLimit> rules = new TreeMap<>();
    Set<String> shadowed = new TreeSet<>();
    for (int i = 0; i < count; i++) {
      String prefix = readString(in);
      String invalid = ClusterMetadata.invalidPrefix(prefix);
      if (invalid != null) {
        throw new IllegalArgumentException(invalid);
      }
      if (rules.put(prefix, readLimit(in)) != null) {
        throw new IllegalArgumentException("prefix \"" + prefix + "\" is given twice");
      }
      if (in.readBoolean()) {
        shadowed.add(prefix);
      }
    }
    return new MetaCommand.ReplaceRules(LimitRules.of(rules, shadowed), expected);
  }

  private static BucketLimit readLimit(DataInputStream in) throws IOException {
    return new BucketLimit(in.readLong(), in.readLong()); // validates the range
  }

  private static void writeShape(DataOutputStream out, ClusterShape shape) throws IOException {
    out.writeInt(shape.members().size());
    for (String member : shape.members()) {
      writeString(out, member);
    }
    out.writeInt(shape.groups());
    out.writeInt(shape.replication());
  }

  private static ClusterShape readShape(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 1 || count > MAX_MEMBERS) {
      throw new IllegalArgumentException("member count " + count + " out of range");
    }
    List<String> members = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      members.add(readString(in));
    }
    return new ClusterShape(members, in.readInt(), in.readInt());
  }
}
