package io.raftlimiter.server.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class NettyLeakDetectionTest {
  @Test
  void anOperatorsLevelForEitherCopyOfNettyCounts() {
    assertFalse(NettyLeakDetection.configured(new Properties()));
    for (String name : NettyLeakDetection.LEVEL_PROPERTIES) {
      Properties properties = new Properties();
      properties.setProperty(name, "paranoid");
      assertTrue(NettyLeakDetection.configured(properties), name);
    }
  }

  @Test
  void turnsBothDetectorsOffWhenNoLevelIsSet() {
    ResourceLeakDetector.Level grpcBefore = ResourceLeakDetector.getLevel();
    var ratisBefore = org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.getLevel();
    try {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
      org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.setLevel(
          org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.Level.SIMPLE);
      boolean turnedOff = NettyLeakDetection.disableUnlessConfigured();
      // the test JVM sets no level (the suite would have to for this to be false)
      assertTrue(turnedOff);
      assertEquals(ResourceLeakDetector.Level.DISABLED, ResourceLeakDetector.getLevel());
      assertEquals(org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.Level.DISABLED,
          org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.getLevel());
    } finally {
      ResourceLeakDetector.setLevel(grpcBefore);
      org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.setLevel(ratisBefore);
    }
  }
}
