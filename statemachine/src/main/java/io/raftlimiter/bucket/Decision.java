package io.raftlimiter.bucket;

/**
 * The outcome of one acquire.
 *
 * @param allowed whether the permits were taken
 * @param remaining whole tokens left after the decision
 * @param retryAfterMillis 0 when allowed, else the time until the permits will be there
 */
public record Decision(boolean allowed, long remaining, long retryAfterMillis) {}
