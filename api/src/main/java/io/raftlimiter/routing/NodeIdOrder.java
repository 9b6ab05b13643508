package io.raftlimiter.routing;

import java.math.BigInteger;
import java.util.Comparator;

/**
 * Node ids in the order people count them: a trailing number compares by value, so "n2" comes
 * before "n10" (in string order "n10" came first, and a cluster grown to ten nodes took "n10" for
 * one of the first three). Ids without a trailing number, or with different prefixes, compare
 * as strings; ties (such as "n2" and "n02") fall back to string order, so the order is total.
 */
public final class NodeIdOrder implements Comparator<String> {
  public static final NodeIdOrder INSTANCE = new NodeIdOrder();

  private NodeIdOrder() {}

  @Override
  public int compare(String a, String b) {
    int digitsA = trailingDigits(a);
    int digitsB = trailingDigits(b);
    String prefixA = a.substring(0, a.length() - digitsA);
    String prefixB = b.substring(0, b.length() - digitsB);
    int byPrefix = prefixA.compareTo(prefixB);
    if (byPrefix != 0 || digitsA == 0 || digitsB == 0) {
      return byPrefix != 0 ? byPrefix : a.compareTo(b);
    }
    int byNumber = new BigInteger(a.substring(prefixA.length()))
        .compareTo(new BigInteger(b.substring(prefixB.length())));
    return byNumber != 0 ? byNumber : a.compareTo(b);
  }

  private static int trailingDigits(String id) {
    int digits = 0;
    while (digits < id.length() && Character.isDigit(id.charAt(id.length() - 1 - digits))
        && id.charAt(id.length() - 1 - digits) < 128) {
      digits++;
    }
    return digits;
  }
}
