package io.raftlimiter.bench.workload;

/**
 * Names key ids on the wire: {@code prefix + id}. Each mode and each warm-up get their own
 * prefix, so every measured phase starts on fresh, full buckets — which the admission checks
 * assume — and no phase inherits another's drained keys.
 */
public record KeySpace(String prefix) {
  public String name(int id) {
    return prefix + id;
  }
}
