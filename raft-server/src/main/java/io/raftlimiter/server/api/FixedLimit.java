package io.raftlimiter.server.api;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.server.runtime.LimitLabel;

/**
 * A limit the operator set for one call (an Envoy descriptor's configured limit), which neither
 * the rules nor a limit the request carries change, and how the metrics name it.
 */
public record FixedLimit(BucketLimit bucket, LimitLabel label) {}
