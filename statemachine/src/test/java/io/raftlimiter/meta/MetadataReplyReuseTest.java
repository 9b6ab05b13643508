package io.raftlimiter.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.raftlimiter.bucket.BucketLimit;
import org.junit.jupiter.api.Test;

/**
 * Every node reads the metadata every second, mostly unchanged: a reply of the version the node
 * holds hands back what it holds, rather than decoding every rule and indexing them again.
 */
class MetadataReplyReuseTest {
  private static final BucketLimit LIMIT = BucketLimit.of(5, 1);

  private static ClusterMetadata withRule(String prefix, long index) {
    return ClusterMetadata.EMPTY.apply(new MetaCommand.SetRule(prefix, LIMIT), index).metadata();
  }

  @Test
  void aReplyOfTheVersionHeldIsNotDecodedAgain() {
    ClusterMetadata held = withRule("tenant:", 4);
    byte[] reply = MetaCodec.encodeReply(null, held);

    MetaReply read = MetaCodec.decodeReply(reply, held);

    assertSame(held, read.metadata());
    assertSame(held.rules(), read.metadata().rules(), "the rules' index is not built again");
  }

  @Test
  void aReplyOfAnotherVersionIsDecoded() {
    ClusterMetadata held = withRule("tenant:", 4);
    ClusterMetadata newer = withRule("tenant:", 9);

    MetaReply read = MetaCodec.decodeReply(MetaCodec.encodeReply("refused", newer), held);

    assertNotSame(held, read.metadata());
    assertEquals(new MetaReply("refused", newer), read);
    assertEquals(newer, MetaCodec.decodeReply(MetaCodec.encodeReply(null, newer), null).metadata());
  }
}
