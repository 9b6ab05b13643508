package io.raftlimiter.server.config;

/** A setting with a wrong value; the message names the setting and what is allowed. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
