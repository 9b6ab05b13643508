package io.raftlimiter.server.api;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin role, by bearer token: the calls that change the cluster (set or remove a rule,
 * drain a node) must carry {@code authorization: Bearer <token>} with the token in
 * {@code security.admin-token-file}. Without it a call ends {@code UNAUTHENTICATED}, with another
 * token {@code PERMISSION_DENIED}, before its request is read, so it changes nothing. Calls that
 * only read (status, view, rules) stay open, as do the data-plane services.
 *
 * <p>The file is read again when its modification time or size changes, so the token rotates
 * without a restart. A file that cannot be read refuses every guarded call (never open them).
 */
public final class AdminTokenCheck implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(AdminTokenCheck.class);
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "Bearer ";

  private final Path tokenFile;
  private final Set<String> guardedMethods;
  private Token token;

  /** A token as read, with what tells when the file changed since. */
  private record Token(byte[] value, FileTime modified, long size) {}

  /**
   * @param guardedMethods full gRPC method names ({@code package.Service/Method}) that need the
   *     token
   */
  public AdminTokenCheck(Path tokenFile, Set<String> guardedMethods) {
    this.tokenFile = tokenFile;
    this.guardedMethods = Set.copyOf(guardedMethods);
  }

  /** The headers a client sends to carry {@code token} (rlctl, the fuzzer). */
  public static Metadata bearerHeaders(String token) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, BEARER + token);
    return headers;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    if (!guardedMethods.contains(call.getMethodDescriptor().getFullMethodName())) {
      return next.startCall(call, headers);
    }
    Status refusal = refusal(headers.get(AUTHORIZATION));
    if (refusal != null) {
      call.close(refusal, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  /** Why a call with this authorization header may not change the cluster; null if it may. */
  private Status refusal(String authorization) {
    if (authorization == null || !authorization.startsWith(BEARER)) {
      return Status.UNAUTHENTICATED.withDescription("this call changes the cluster and needs the "
          + "admin token: send 'authorization: Bearer <token>' (rlctl: --admin-token-file)");
    }
    byte[] expected;
    try {
      expected = current();
    } catch (IOException e) {
      LOG.error("cannot read the admin token file {}: {}", tokenFile, e.toString());
      return Status.PERMISSION_DENIED.withDescription(
          "this node cannot read its admin token file; admin calls are refused until it can");
    }
    byte[] presented = authorization.substring(BEARER.length()).trim()
        .getBytes(StandardCharsets.UTF_8);
    return expected.length > 0 && MessageDigest.isEqual(expected, presented) ? null
        : Status.PERMISSION_DENIED.withDescription("the admin token does not match");
  }

  /** The token in the file, read again only when the file changed. */
  private synchronized byte[] current() throws IOException {
    FileTime modified = Files.getLastModifiedTime(tokenFile);
    long size = Files.size(tokenFile);
    if (token == null || !token.modified().equals(modified) || token.size() != size) {
      byte[] value = Files.readString(tokenFile, StandardCharsets.UTF_8).trim()
          .getBytes(StandardCharsets.UTF_8);
      token = new Token(value, modified, size);
    }
    return token.value();
  }
}
