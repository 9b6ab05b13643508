package io.raftlimiter.bench.fuzz;

/**
 * One generated call: the gRPC method it goes to, its request bytes, and what a correct node
 * must answer.
 *
 * @param kind what the generator did, for the tallies ("random bytes", "capacity 0", ...)
 * @param invalid whether the request is invalid by construction: it must end
 *     {@code INVALID_ARGUMENT} with a message, and take nothing. Otherwise (random or mutated
 *     bytes) either a decision or {@code INVALID_ARGUMENT} is correct, unless its kind starts
 *     with {@link #VALID}: valid by construction, it must be decided.
 * @param guardKey the key of an invalid request that names one: a key no valid request uses, so
 *     its bucket must still be untouched afterwards; null when there is none
 */
public record FuzzInput(String method, byte[] bytes, String kind, boolean invalid,
    String guardKey) {
  /** The start of the kind of a request valid by construction (at a bound, say). */
  public static final String VALID = "valid: ";

  /** Whether the request is valid by construction, so that only a decision is correct. */
  public boolean valid() {
    return kind.startsWith(VALID);
  }
}
