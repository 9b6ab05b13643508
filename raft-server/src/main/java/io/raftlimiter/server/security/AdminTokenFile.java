package io.raftlimiter.server.security;

import io.grpc.Metadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;

/**
 * The admin token in {@code security.admin-token-file}, carried by a call as
 * {@code authorization: Bearer <token>}. The file is read again when its modification time or
 * size changes, so the token rotates without a restart.
 */
public final class AdminTokenFile {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "Bearer ";

  private final Path file;
  private Token token;

  /** A token as read, with what tells when the file changed since. */
  private record Token(byte[] value, FileTime modified, long size) {}

  public AdminTokenFile(Path file) {
    this.file = file;
  }

  /** The headers a client sends to carry {@code token} (rlctl, the fuzzer). */
  public static Metadata bearerHeaders(String token) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, BEARER + token);
    return headers;
  }

  /** The token a call's headers carry, or null if they carry none. */
  static String presented(Metadata headers) {
    String authorization = headers.get(AUTHORIZATION);
    return authorization == null || !authorization.startsWith(BEARER) ? null
        : authorization.substring(BEARER.length()).trim();
  }

  /**
   * Whether {@code presented} is the token, compared in constant time.
   *
   * @throws IOException when the file cannot be read (the caller refuses the call)
   */
  boolean matches(String presented) throws IOException {
    byte[] expected = current();
    return expected.length > 0
        && MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8));
  }

  Path file() {
    return file;
  }

  /** The token in the file, read again only when the file changed. */
  private synchronized byte[] current() throws IOException {
    FileTime modified = Files.getLastModifiedTime(file);
    long size = Files.size(file);
    if (token == null || !token.modified().equals(modified) || token.size() != size) {
      byte[] value = Files.readString(file, StandardCharsets.UTF_8).trim()
          .getBytes(StandardCharsets.UTF_8);
      token = new Token(value, modified, size);
    }
    return token.value();
  }
}
