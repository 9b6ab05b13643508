package io.raftlimiter.bench.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ZipfSamplerTest {
  @ParameterizedTest
  @ValueSource(doubles = {0.5, 0.99, 1.0, 1.2, 2.0})
  void frequenciesFollowZipfsLaw(double exponent) {
    int n = 20;
    int draws = 2_000_000;
    ZipfSampler sampler = new ZipfSampler(n, exponent);
    SplittableRandom random = new SplittableRandom(42);
    long[] counts = new long[n];
    for (int i = 0; i < draws; i++) {
      counts[sampler.next(random)]++;
    }
    double norm = 0;
    for (int k = 1; k <= n; k++) {
      norm += Math.pow(k, -exponent);
    }
    for (int k = 1; k <= n; k++) {
      double expected = draws * Math.pow(k, -exponent) / norm;
      // Five standard deviations of a binomial count.
      double tolerance = 5 * Math.sqrt(expected);
      assertEquals(expected, counts[k - 1], tolerance, "id " + (k - 1) + " at s=" + exponent);
    }
  }

  @Test
  void tenMillionKeysStayInRangeAndFavourTheHead() {
    ZipfSampler sampler = new ZipfSampler(10_000_000, 0.99);
    SplittableRandom random = new SplittableRandom(7);
    int head = 0;
    for (int i = 0; i < 1_000_000; i++) {
      int id = sampler.next(random);
      assertTrue(id >= 0 && id < 10_000_000, "id " + id);
      head += id < 100 ? 1 : 0;
    }
    // With s = 0.99 the first 100 of 10M keys take about 30% of draws.
    assertTrue(head > 250_000 && head < 350_000, "head share " + head);
  }

  @Test
  void oneKeyIsAlwaysThatKey() {
    ZipfSampler sampler = new ZipfSampler(1, 1.5);
    assertEquals(0, sampler.next(new SplittableRandom(1)));
  }

  @Test
  void parsesDistributions() {
    SplittableRandom random = new SplittableRandom(3);
    assertEquals(0, KeySampler.parse("hot", 1000).next(random));
    for (int i = 0; i < 1000; i++) {
      int id = KeySampler.parse("uniform", 10).next(random);
      assertTrue(id >= 0 && id < 10);
    }
    assertTrue(KeySampler.parse("ZIPF:1.1", 10) instanceof ZipfSampler);
    assertThrows(IllegalArgumentException.class, () -> KeySampler.parse("zipf:x", 10));
    assertThrows(IllegalArgumentException.class, () -> KeySampler.parse("zipf:0", 10));
    assertThrows(IllegalArgumentException.class, () -> KeySampler.parse("gauss", 10));
    assertThrows(IllegalArgumentException.class, () -> KeySampler.parse("uniform", 0));
  }
}
