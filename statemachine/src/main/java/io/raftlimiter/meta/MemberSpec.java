package io.raftlimiter.meta;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The form of a member as the metadata records it, {@code id=host:raftPort:clientPort}: checked
 * before a member is added, so that no node ever fails to read the member list.
 */
public final class MemberSpec {
  /** Groups: id, host, raft port, client port. */
  public static final Pattern FORM =
      Pattern.compile("([A-Za-z0-9_-]{1,64})=([A-Za-z0-9.\\-]+):(\\d{1,5}):(\\d{1,5})");

  private MemberSpec() {}

  /** What is wrong with {@code spec}, or null when it is a valid member. */
  public static String problem(String spec) {
    Matcher m = FORM.matcher(spec == null ? "" : spec);
    if (!m.matches()) {
      return "'" + spec + "' is not a member; allowed: id=host:raftPort:clientPort";
    }
    for (int group = 3; group <= 4; group++) {
      int port = Integer.parseInt(m.group(group));
      if (port < 1 || port > 65535) {
        return "'" + spec + "': ports must be from 1 to 65535";
      }
    }
    return null;
  }
}
