package io.raftlimiter.bench.workload;

import java.util.random.RandomGenerator;

/**
 * Zipf's law over ids {@code 0..n-1}: id {@code k-1} is drawn with probability proportional to
 * {@code k^-s}. Id 0 is the hottest key.
 *
 * <p>Rejection-inversion (W. Hörmann, G. Derflinger, "Rejection-inversion to generate variates
 * from monotone discrete distributions", 1996): invert the integral {@code H} of the continuous
 * hat {@code h(x) = x^-s} to draw {@code x}, round to the nearest integer {@code k}, and accept
 * unless {@code x} fell in the part of {@code k}'s cell that the hat covers but the mass of
 * {@code k} does not. Constant memory and O(1) expected time for any {@code n} and {@code s > 0},
 * so ten million keys need no table of cumulative weights. Acceptance is above 90% for the usual
 * exponents.
 *
 * <p>{@code H} and its inverse are written with {@code expm1}/{@code log1p}-style helpers so
 * that {@code s} near 1 (where {@code (x^(1-s) - 1)/(1-s)} becomes {@code 0/0}) stays exact.
 */
public final class ZipfSampler implements KeySampler {
  private final int n;
  private final double exponent;
  private final double integralAtHalf;   // H(1.5) - h(1): the top of the range we draw from
  private final double integralAtEnd;    // H(n + 0.5)
  private final double squeeze;          // k - x <= squeeze accepts without evaluating H

  public ZipfSampler(int n, double exponent) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, got " + n);
    }
    if (!(exponent > 0) || Double.isInfinite(exponent)) {
      throw new IllegalArgumentException("zipf exponent must be > 0, got " + exponent);
    }
    this.n = n;
    this.exponent = exponent;
    this.integralAtHalf = integral(1.5) - 1.0;
    this.integralAtEnd = integral(n + 0.5);
    this.squeeze = 2.0 - inverseIntegral(integral(2.5) - hat(2.0));
  }

  @Override
  public int next(RandomGenerator random) {
    while (true) {
      // Uniform over the hat's mass: H(1.5) - h(1) below covers id 1 with a full cell of height 1.
      double u = integralAtEnd + random.nextDouble() * (integralAtHalf - integralAtEnd);
      double x = inverseIntegral(u);
      long k = Math.round(x);
      if (k < 1) {
        k = 1;
      } else if (k > n) {
        k = n;
      }
      if (k - x <= squeeze || u >= integral(k + 0.5) - hat(k)) {
        return (int) (k - 1);
      }
    }
  }

  /** The hat h(x) = x^-s. */
  private double hat(double x) {
    return Math.exp(-exponent * Math.log(x));
  }

  /** H(x) = (x^(1-s) - 1) / (1-s), or log x when s = 1; any antiderivative of h would do. */
  private double integral(double x) {
    double logX = Math.log(x);
    return expm1OverX((1.0 - exponent) * logX) * logX;
  }

  private double inverseIntegral(double y) {
    double t = y * (1.0 - exponent);
    if (t < -1.0) {
      t = -1.0; // rounding can push u a hair past the end of the range
    }
    return Math.exp(log1pOverX(t) * y);
  }

  /** (e^t - 1) / t, continuous at 0. */
  static double expm1OverX(double t) {
    return Math.abs(t) > 1e-8 ? Math.expm1(t) / t : 1.0 + t / 2.0;
  }

  /** log(1 + t) / t, continuous at 0. */
  static double log1pOverX(double t) {
    return Math.abs(t) > 1e-8 ? Math.log1p(t) / t : 1.0 - t / 2.0;
  }
}
