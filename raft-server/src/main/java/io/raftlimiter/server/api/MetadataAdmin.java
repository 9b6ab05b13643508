package io.raftlimiter.server.api;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.meta.LimitRules;
import io.raftlimiter.meta.MetaCommand;
import io.raftlimiter.meta.MetaReply;
import io.raftlimiter.server.control.MetadataClient;
import java.util.concurrent.CompletableFuture;

/**
 * The operators' changes to the cluster ({@link NodeAdminService}'s limit rules and drains), each
 * one command to the metadata group through this node's {@link MetadataClient}.
 */
public final class MetadataAdmin implements LimitAdmin, MemberAdmin {
  private final MetadataClient metadata;

  public MetadataAdmin(MetadataClient metadata) {
    this.metadata = metadata;
  }

  @Override
  public CompletableFuture<MetaReply> setRule(String prefix, BucketLimit limit, boolean shadow) {
    return metadata.submit(new MetaCommand.SetRule(prefix, limit, shadow));
  }

  @Override
  public CompletableFuture<MetaReply> removeRule(String prefix) {
    return metadata.submit(new MetaCommand.RemoveRule(prefix));
  }

  @Override
  public CompletableFuture<MetaReply> rules() {
    return metadata.read();
  }

  @Override
  public CompletableFuture<MetaReply> replaceRules(LimitRules rules, String expectedDigest) {
    return metadata.submit(new MetaCommand.ReplaceRules(rules, expectedDigest));
  }

  @Override
  public LimitRules current() {
    return metadata.rules();
  }

  /**
   * Marks {@code node} leaving, so that the controller drains it (the metadata group's replica
   * too, onto another member) and then removes it.
   *
   * @throws IllegalArgumentException when {@code node} is not a member of the cluster
   */
  @Override
  public CompletableFuture<MetaReply> drain(String node) {
    if (!metadata.current().members().containsKey(node)) {
      throw new IllegalArgumentException(node + " is not a member of the cluster");
    }
    return metadata.submit(new MetaCommand.SetLeaving(node, true));
  }
}
