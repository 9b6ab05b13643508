package io.raftlimiter.server.envoy;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit;
import io.raftlimiter.bucket.BucketLimit;

/**
 * A descriptor's {@code rate_limit} from a configuration file: {@code requestsPerUnit} per
 * {@code unit}, under {@code name} (empty when the file gives none).
 *
 * @param bucket the token bucket that stands for it; null when {@code requestsPerUnit} is 0,
 *     which refuses every request
 * @param shadow the descriptor's {@code shadow_mode}: decided and counted, but never refused
 */
public record ConfiguredLimit(long requestsPerUnit, Unit unit, String name, BucketLimit bucket,
    boolean shadow) {

  /** Whether every request is refused, without a bucket (Envoy's {@code requests_per_unit: 0}). */
  public boolean refusesAll() {
    return bucket == null;
  }
}
