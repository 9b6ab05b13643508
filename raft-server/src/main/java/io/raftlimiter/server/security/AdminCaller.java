package io.raftlimiter.server.security;

import io.grpc.Context;

/**
 * Who made the current admin call, for the audit log: how the caller proved the admin role (a
 * certificate subject, the admin token, or nothing where admin calls are open) and its address.
 * {@link CallerRoles} attaches it to every call it admits with that role.
 */
public final class AdminCaller {
  static final Context.Key<String> KEY = Context.key("raftlimiter-admin-caller");

  private AdminCaller() {}

  /** The current admin call's caller; "unknown" outside one (a call no interceptor admitted). */
  public static String current() {
    String caller = KEY.get();
    return caller != null ? caller : "unknown";
  }
}
