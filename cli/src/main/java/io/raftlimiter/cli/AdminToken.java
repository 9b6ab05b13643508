package io.raftlimiter.cli;

import io.grpc.stub.MetadataUtils;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.server.runtime.OwnerOnly;
import io.raftlimiter.server.security.AdminTokenFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The admin token of a cluster started by {@code rlctl cluster up}: made with the cluster, kept
 * in {@code D/admin.token} (0600), given to every node as {@code security.admin-token-file}, and
 * sent by rlctl with the calls that change the cluster.
 */
final class AdminToken {
  static final String FILE = "admin.token";

  private AdminToken() {}

  /** Makes a new random token in {@code dir}/admin.token, readable by its owner only. */
  static Path create(Path dir) throws IOException {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    return OwnerOnly.write(dir.resolve(FILE), HexFormat.of().formatHex(secret) + "\n");
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
    return stub.withInterceptors(
        MetadataUtils.newAttachHeadersInterceptor(AdminTokenFile.bearerHeaders(token)));
  }
}
