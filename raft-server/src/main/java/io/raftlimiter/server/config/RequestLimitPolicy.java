package io.raftlimiter.server.config;

import io.raftlimiter.bucket.BucketLimit;

/**
 * What a limit carried in a request may do against the operator's (the matching rule, or the
 * node's default): setting {@code limit.request-override}. By default ({@link #LOWER_ONLY}) a
 * caller may only tighten the operator's limit, never loosen it: a client is not trusted to pick
 * its own quota unless the operator says so ({@link #ALLOW}); {@link #DENY} ignores carried
 * limits altogether. A carried limit is checked for range under every policy, so a malformed
 * request is refused the same way whatever the setting.
 */
public enum RequestLimitPolicy {
  /** The request's limit wins over the operator's: every caller is trusted with its quota. */
  ALLOW,
  /** The request's limit is ignored: the operator's applies. */
  DENY,
  /**
   * The request may only tighten the operator's limit (the default): each of capacity and refill rate is the
   * lower of the two, so no carried limit ever admits more than the operator's would.
   */
  LOWER_ONLY;

  /**
   * The limit a request runs under.
   *
   * @param carried the limit the request carries, already range-checked; null when it has none
   * @param operator the limit the rules (or the node's default) give the request's key
   */
  public BucketLimit apply(BucketLimit carried, BucketLimit operator) {
    if (carried == null) {
      return operator;
    }
    return switch (this) {
      case ALLOW -> carried;
      case DENY -> operator;
      case LOWER_ONLY -> new BucketLimit(Math.min(carried.capacity(), operator.capacity()),
          Math.min(carried.refillMicrosPerSecond(), operator.refillMicrosPerSecond()));
    };
  }
}
