package io.raftlimiter.meta;

/**
 * The metadata group's answer to a command or a read: the metadata after it, and why the command
 * was refused (null when it was applied, or for a read).
 */
public record MetaReply(String refusal, ClusterMetadata metadata) {
  public boolean refused() {
    return refusal != null;
  }
}
