package io.raftlimiter.server.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What this build is: the project version and the commit it was built from, written into
 * {@code build.properties} by the build (Maven resource filtering). Shown by
 * {@code rlctl --version}, in a node's status and as {@code raftlimiter_build_info}.
 */
public record BuildInfo(String version, String commit) {
  private static final BuildInfo CURRENT = load();

  /** This build's; "unknown" for what the build did not say (a run from an IDE's classes). */
  public static BuildInfo current() {
    return CURRENT;
  }

  private static BuildInfo load() {
    Properties properties = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      // unreadable: described as unknown below
    }
    return new BuildInfo(known(properties.getProperty("version")),
        known(properties.getProperty("commit")));
  }

  /** A value the build filled in; an unfiltered placeholder or nothing is "unknown". */
  static String known(String value) {
    return value == null || value.isBlank() || value.startsWith("${") ? "unknown" : value.trim();
  }

  @Override
  public String toString() {
    return version + " (commit " + commit + ")";
  }
}
