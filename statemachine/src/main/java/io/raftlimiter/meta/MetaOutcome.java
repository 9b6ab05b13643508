package io.raftlimiter.meta;

/**
 * What the metadata group answers to a command: why it was refused (null when it was applied)
 * and the version of the metadata after it, which the caller reads when it needs more.
 */
public record MetaOutcome(String refusal, long version) {}
