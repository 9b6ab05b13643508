package io.raftlimiter.server.envoy;

/** A descriptor configuration that cannot be used; the message names the file and the field. */
public final class DescriptorConfigException extends Exception {
  public DescriptorConfigException(String message) {
    super(message);
  }
}
