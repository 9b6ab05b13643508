package io.raftlimiter.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;

/**
 * Certificate subjects a role is granted to ({@code security.admin-subjects},
 * {@code security.node-subjects}): distinguished names separated by {@code ;}, each compared
 * with a certificate's subject in RFC 2253 form, so {@code CN=admin, O=Acme} and
 * {@code CN=admin,O=Acme} are the same name. A {@code *} stands for any characters inside one
 * attribute value (never a {@code ,}, {@code +} or escape), so {@code CN=node-*,O=Acme} admits
 * {@code CN=node-7,O=Acme} but not {@code CN=node-7,OU=x,O=Acme} or
 * {@code CN=node-7+OU=x,O=Acme}. Pure: no I/O.
 */
public final class SubjectPatterns {
  private static final SubjectPatterns NONE = new SubjectPatterns(List.of(), "");

  private final List<Pattern> patterns;
  private final String text;

  private SubjectPatterns(List<Pattern> patterns, String text) {
    this.patterns = List.copyOf(patterns);
    this.text = text;
  }

  public static SubjectPatterns none() {
    return NONE;
  }

  /**
   * Parses {@code spec}; blank gives {@link #none()}.
   *
   * @throws IllegalArgumentException naming the entry that is not a distinguished name
   */
  public static SubjectPatterns parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return NONE;
    }
    List<Pattern> patterns = new ArrayList<>();
    List<String> canonical = new ArrayList<>();
    for (String entry : spec.split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      String name;
      try {
        name = new X500Principal(entry.trim()).getName(X500Principal.RFC2253);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("'" + entry.trim() + "' is not a distinguished name "
            + "such as CN=admin,O=example (" + e.getMessage() + ")");
      }
      canonical.add(name);
      patterns.add(globToRegex(name));
    }
    return new SubjectPatterns(patterns, String.join(";", canonical));
  }

  private static Pattern globToRegex(String name) {
    StringBuilder regex = new StringBuilder();
    int start = 0;
    for (int star = name.indexOf('*'); star >= 0; star = name.indexOf('*', start)) {
      regex.append(Pattern.quote(name.substring(start, star))).append("[^,+\\\\]*");
      start = star + 1;
    }
    regex.append(Pattern.quote(name.substring(start)));
    return Pattern.compile(regex.toString());
  }

  public boolean isEmpty() {
    return patterns.isEmpty();
  }

  public boolean matches(X500Principal subject) {
    String name = subject.getName(X500Principal.RFC2253);
    for (Pattern pattern : patterns) {
      if (pattern.matcher(name).matches()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return text;
  }
}
