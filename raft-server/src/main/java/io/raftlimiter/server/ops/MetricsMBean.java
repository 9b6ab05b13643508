package io.raftlimiter.server.ops;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.ObjectName;

/**
 * The node's own metrics over JMX, read from its Prometheus registry when asked: one read-only
 * attribute per series, named as Prometheus names it ({@code raftlimiter_requests_shed_total},
 * {@code raftlimiter_decisions_total{mode="strong",outcome="allowed"}}); a histogram or summary
 * gives its {@code _count} and {@code _sum}. So JMX and {@code /metrics} show the same numbers
 * from one source.
 */
public final class MetricsMBean implements DynamicMBean {
  private final PrometheusRegistry registry;

  public MetricsMBean(PrometheusRegistry registry) {
    this.registry = registry;
  }

  /** Where a node's metrics are registered: domain {@code raftlimiter.<node id>}. */
  public static ObjectName name(String nodeId) {
    try {
      return new ObjectName("raftlimiter." + nodeId, "type", "metrics");
    } catch (javax.management.MalformedObjectNameException e) {
      throw new IllegalArgumentException("node id " + nodeId + " does not make a JMX name", e);
    }
  }

  /** Every series' value now, by its Prometheus name with labels. */
  Map<String, Double> values() {
    Map<String, Double> values = new LinkedHashMap<>();
    for (MetricSnapshot metric : registry.scrape()) {
      String name = metric.getMetadata().getPrometheusName();
      for (DataPointSnapshot point : metric.getDataPoints()) {
        String labels = labels(point.getLabels());
        if (point instanceof CounterDataPointSnapshot counter) {
          values.put(name + "_total" + labels, counter.getValue());
        } else if (point instanceof GaugeDataPointSnapshot gauge) {
          values.put(name + labels, gauge.getValue());
        } else if (point instanceof HistogramDataPointSnapshot histogram) {
          values.put(name + "_count" + labels, (double) histogram.getCount());
          values.put(name + "_sum" + labels, histogram.getSum());
        } else if (point instanceof SummaryDataPointSnapshot summary) {
          values.put(name + "_count" + labels, (double) summary.getCount());
          values.put(name + "_sum" + labels, summary.getSum());
        }
      }
    }
    return values;
  }

  private static String labels(Labels labels) {
    if (labels.size() == 0) {
      return "";
    }
    StringBuilder text = new StringBuilder("{");
    for (int i = 0; i < labels.size(); i++) {
      text.append(i == 0 ? "" : ",").append(labels.getPrometheusName(i)).append("=\"")
          .append(labels.getValue(i)).append('"');
    }
    return text.append('}').toString();
  }

  @Override
  public Object getAttribute(String attribute) throws AttributeNotFoundException {
    Double value = values().get(attribute);
    if (value == null) {
      throw new AttributeNotFoundException("no series " + attribute);
    }
    return value;
  }

  @Override
  public AttributeList getAttributes(String[] attributes) {
    Map<String, Double> values = values();
    AttributeList list = new AttributeList();
    for (String attribute : attributes) {
      Double value = values.get(attribute);
      if (value != null) {
        list.add(new Attribute(attribute, value));
      }
    }
    return list;
  }

  @Override
  public void setAttribute(Attribute attribute) {
    throw new UnsupportedOperationException("the node's metrics are read-only");
  }

  @Override
  public AttributeList setAttributes(AttributeList attributes) {
    return new AttributeList();
  }

  @Override
  public Object invoke(String action, Object[] params, String[] signature) {
    throw new UnsupportedOperationException("the node's metrics have no operations");
  }

  @Override
  public MBeanInfo getMBeanInfo() {
    List<MBeanAttributeInfo> attributes = new ArrayList<>();
    for (String series : values().keySet()) {
      attributes.add(new MBeanAttributeInfo(series, Double.class.getName(), series, true, false,
          false));
    }
    return new MBeanInfo(MetricsMBean.class.getName(), "raftlimiter node metrics",
        attributes.toArray(new MBeanAttributeInfo[0]), null, new MBeanOperationInfo[0], null);
  }
}
