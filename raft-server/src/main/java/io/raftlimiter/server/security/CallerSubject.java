package io.raftlimiter.server.security;

import io.grpc.Context;

/**
 * The subject of the certificate a call's client presented on the client port, for the length
 * of the call ({@link CallerRoles} attaches it). Decisions use it to keep one caller's
 * {@code request_id}s apart from another's: two callers that happen to send the same id (or a
 * gateway forwarding a user's idempotency key) must not be answered with each other's outcome.
 */
public final class CallerSubject {
  static final Context.Key<String> KEY = Context.key("raftlimiter-caller-subject");

  private CallerSubject() {}

  /** The current call's client certificate subject; null without TLS or without a certificate. */
  public static String current() {
    return KEY.get();
  }
}
