package io.raftlimiter.meta;

/**
 * What a command did, or what a read saw: the metadata after it, and why the command was refused
 * (null when it was applied, or for a read). {@link ClusterMetadata#apply} returns it, and the
 * metadata group answers with it.
 */
public record MetaReply(String refusal, ClusterMetadata metadata) {
  public boolean refused() {
    return refusal != null;
  }
}
