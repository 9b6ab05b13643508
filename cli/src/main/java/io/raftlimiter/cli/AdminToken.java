package io.raftlimiter.cli;

import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.server.runtime.OwnerOnly;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The admin token of a cluster started by {@code rlctl cluster up}: made with the cluster, kept
 * in {@code D/admin.token} (0600), given to every node as {@code security.admin-token-file}, and
 * sent by rlctl with the calls that change the cluster.
 */
final class AdminToken {
  static final String FILE = "admin.token";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private AdminToken() {}

  /** Makes a new random token in {@code dir}/admin.token, readable by its owner only. */
  static Path create(Path dir) throws IOException {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    Path temp = dir.resolve(FILE + ".tmp");
    Files.writeString(temp, HexFormat.of().formatHex(secret) + "\n", StandardCharsets.UTF_8);
    OwnerOnly.file(temp);
    return Files.move(temp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
  }

  static String read(Path file) throws IOException {
    String token = Files.readString(file, StandardCharsets.UTF_8).trim();
    if (token.isEmpty()) {
      throw new IOException("the file is empty");
    }
    return token;
  }

  static NodeAdminGrpc.NodeAdminBlockingStub attach(NodeAdminGrpc.NodeAdminBlockingStub stub,
      String token) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }
}
