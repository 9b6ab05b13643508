package io.raftlimiter.bench.workload;

import java.util.random.RandomGenerator;

/**
 * Draws key ids in {@code [0, keys)}. Keys are ids, not strings, so that a key space of ten
 * million costs nothing until a key is named on the wire (see {@link KeySpace}).
 */
public interface KeySampler {
  int next(RandomGenerator random);

  /** Parses {@code uniform}, {@code hot} or {@code zipf:S} (S > 0) for {@code keys} keys. */
  static KeySampler parse(String spec, int keys) {
    if (keys < 1) {
      throw new IllegalArgumentException("keys must be at least 1, got " + keys);
    }
    String text = spec.trim().toLowerCase(java.util.Locale.ROOT);
    if (text.equals("uniform")) {
      return random -> random.nextInt(keys);
    }
    if (text.equals("hot")) {
      return random -> 0;
    }
    if (text.startsWith("zipf:")) {
      double exponent;
      try {
        exponent = Double.parseDouble(text.substring("zipf:".length()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("zipf exponent must be a number, got " + spec);
      }
      return new ZipfSampler(keys, exponent);
    }
    throw new IllegalArgumentException(
        "distribution must be uniform, hot or zipf:S (e.g. zipf:0.99), got " + spec);
  }
}
