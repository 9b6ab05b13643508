package io.raftlimiter.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.runtime.NodeMetrics;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import javax.management.AttributeNotFoundException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** JMX reads the node's metrics from the same registry as a scrape. */
class MetricsMBeanTest {
  @Test
  void everySeriesIsAnAttributeNamedAsPrometheusNamesIt() throws Exception {
    NodeMetrics metrics = new NodeMetrics();
    metrics.shed();
    metrics.decided(ConsistencyMode.STRONG, true, 2_000_000);
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = MetricsMBean.name("test-node");
    server.registerMBean(new MetricsMBean(metrics.prometheus()), name);
    try {
      assertEquals(1.0, server.getAttribute(name, "raftlimiter_requests_shed_total"));
      assertEquals(1.0, server.getAttribute(name,
          "raftlimiter_decisions_total{mode=\"strong\",outcome=\"allowed\"}"));
      assertEquals(1.0, server.getAttribute(name,
          "raftlimiter_decision_latency_seconds_count{mode=\"strong\"}"));
      assertEquals(0.002, (Double) server.getAttribute(name,
          "raftlimiter_decision_latency_seconds_sum{mode=\"strong\"}"), 1e-9);
      metrics.shed();
      assertEquals(2.0, server.getAttribute(name, "raftlimiter_requests_shed_total"),
          "read when asked");
      MBeanAttributeInfo[] attributes = server.getMBeanInfo(name).getAttributes();
      assertTrue(Arrays.stream(attributes)
          .anyMatch(a -> a.getName().equals("raftlimiter_requests_shed_total")));
      assertThrows(AttributeNotFoundException.class,
          () -> new MetricsMBean(metrics.prometheus()).getAttribute("no_such_series"));
    } finally {
      server.unregisterMBean(name);
    }
  }
}
