package io.raftlimiter.bench.fuzz;

/**
 * One generated call: the gRPC method it goes to, its request bytes, and what a correct node
 * must answer.
 *
 * @param kind what the generator did, for the tallies ("random bytes", "capacity 0", ...)
 * @param invalid whether the request is invalid by construction: it must end
 *     {@code INVALID_ARGUMENT} with a message, and take nothing. Otherwise (random or mutated
 *     bytes) either a decision or {@code INVALID_ARGUMENT} is correct.
 * @param guardKey the key of an invalid request that names one: a key no valid request uses, so
 *     its bucket must still be untouched afterwards; null when there is none
 */
public record FuzzInput(String method, byte[] bytes, String kind, boolean invalid,
    String guardKey) {}
