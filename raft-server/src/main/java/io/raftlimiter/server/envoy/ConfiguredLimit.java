package io.raftlimiter.server.envoy;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.Entry;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit;
import io.raftlimiter.bucket.BucketLimit;
import java.util.List;

/**
 * A descriptor's {@code rate_limit} from a configuration file: {@code requestsPerUnit} per
 * {@code unit}, under {@code name} (empty when the file gives none).
 *
 * @param bucket the token bucket that stands for it; null when {@code requestsPerUnit} is 0,
 *     which refuses every request
 * @param shadow the descriptor's {@code shadow_mode}: decided and counted, but never refused
 * @param statKey the name of the descriptor's metrics, as Envoy's ratelimit service gives it:
 *     {@code domain.key_value.key}, a {@code _value} where the file gives one
 * @param detailedMetric the descriptor's {@code detailed_metric}: its metrics are named by the
 *     values each request sent ({@code domain.key_value.key_value}) instead
 */
public record ConfiguredLimit(long requestsPerUnit, Unit unit, String name, BucketLimit bucket,
    boolean shadow, String statKey, boolean detailedMetric) {

  /** Whether every request is refused, without a bucket (Envoy's {@code requests_per_unit: 0}). */
  public boolean refusesAll() {
    return bucket == null;
  }

  /**
   * The name the metrics give a request's descriptor with {@code entries} in {@code domain} that
   * reached this limit: its stat key, or with {@code detailed_metric} the values the request
   * sent.
   */
  public String metricName(String domain, List<Entry> entries) {
    if (!detailedMetric) {
      return statKey;
    }
    StringBuilder name = new StringBuilder(domain);
    for (Entry entry : entries) {
      name.append('.').append(entry.getKey()).append('_').append(entry.getValue());
    }
    return name.toString();
  }
}
