package io.raftlimiter.api.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@code ratelimiter.v1} may change only by adding: every message, field (number, name, type,
 * cardinality), enum value, service and method in {@code ratelimiter-v1.contract} must still be
 * there, the same. A field removed, renumbered, renamed or retyped, or a method whose request or
 * answer changed, fails here; clients in other languages generated from an older proto would
 * break on it. When something is added, add its lines to the file (the failure message lists
 * them), so that the addition is pinned too.
 */
class PublicContractTest {
  private static final String CONTRACT = "/ratelimiter-v1.contract";

  @Test
  void thePublicProtoOnlyGrows() throws IOException {
    Set<String> now = describe(RateLimiterProto.getDescriptor());
    List<String> pinned = pinned();
    List<String> changed = new ArrayList<>();
    for (String line : pinned) {
      if (!now.contains(line)) {
        changed.add(line);
      }
    }
    assertEquals(List.of(), changed, "ratelimiter.v1 lost or changed what clients rely on; "
        + "it may only grow (add fields with new numbers)");
    Set<String> added = new TreeSet<>(now);
    added.removeAll(pinned);
    assertTrue(added.isEmpty(), "ratelimiter.v1 grew: pin the additions by adding these lines "
        + "to api/src/test/resources" + CONTRACT + ":\n" + String.join("\n", added));
  }

  /** One line per element of the public contract, in a stable order. */
  static Set<String> describe(FileDescriptor file) {
    Set<String> lines = new TreeSet<>();
    for (Descriptor message : file.getMessageTypes()) {
      describe(message, lines);
    }
    for (EnumDescriptor type : file.getEnumTypes()) {
      describe(type, lines);
    }
    for (ServiceDescriptor service : file.getServices()) {
      lines.add("service " + service.getFullName());
      for (MethodDescriptor method : service.getMethods()) {
        lines.add("rpc " + service.getFullName() + "." + method.getName() + "("
            + (method.isClientStreaming() ? "stream " : "") + method.getInputType().getFullName()
            + ") returns (" + (method.isServerStreaming() ? "stream " : "")
            + method.getOutputType().getFullName() + ")");
      }
    }
    return lines;
  }

  private static void describe(Descriptor message, Set<String> lines) {
    lines.add("message " + message.getFullName());
    for (FieldDescriptor field : message.getFields()) {
      String type = switch (field.getJavaType()) {
        case MESSAGE -> field.getMessageType().getFullName();
        case ENUM -> field.getEnumType().getFullName();
        default -> field.getType().name().toLowerCase(java.util.Locale.ROOT);
      };
      String cardinality = field.isMapField() ? "map" : field.isRepeated() ? "repeated"
          : field.hasPresence() && field.getContainingOneof() == null ? "optional" : "singular";
      lines.add("field " + message.getFullName() + " " + field.getNumber() + " " + field.getName()
          + " " + cardinality + " " + type);
    }
    for (Descriptor nested : message.getNestedTypes()) {
      describe(nested, lines);
    }
    for (EnumDescriptor nested : message.getEnumTypes()) {
      describe(nested, lines);
    }
  }

  private static void describe(EnumDescriptor type, Set<String> lines) {
    lines.add("enum " + type.getFullName());
    for (EnumValueDescriptor value : type.getValues()) {
      lines.add("value " + type.getFullName() + " " + value.getNumber() + " " + value.getName());
    }
  }

  private static List<String> pinned() throws IOException {
    try (InputStream in = PublicContractTest.class.getResourceAsStream(CONTRACT)) {
      if (in == null) {
        throw new IOException(CONTRACT + " is missing from the test resources");
      }
      List<String> lines = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          lines.add(line.strip());
        }
      }
      return lines;
    }
  }
}
