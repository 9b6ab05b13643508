package io.raftlimiter.bench.fuzz;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.entry.BucketOp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded requests for the wire fuzz: random bytes, valid requests mutated byte by byte, and
 * requests invalid by construction (each kind of bad field, oversized batches, malformed UTF-8,
 * admin rules out of range). Pure: the same seed gives the same inputs.
 *
 * <p>Invalid requests that name a key use one of {@link #GUARD_KEYS}, which no valid request
 * uses: their buckets must be untouched afterwards, which is how "an invalid request takes
 * nothing" is checked over the wire.
 */
public final class FuzzInputs {
  public static final String ACQUIRE = RateLimiterGrpc.getAcquireMethod().getFullMethodName();
  public static final String ACQUIRE_BATCH =
      RateLimiterGrpc.getAcquireBatchMethod().getFullMethodName();
  public static final String SET_LIMIT = NodeAdminGrpc.getSetLimitMethod().getFullMethodName();
  /** The keys invalid requests name; no valid request uses them. */
  public static final int GUARD_KEYS = 32;
  /** The capacity every guarded bucket is checked against afterwards. */
  public static final long GUARD_CAPACITY = 1_000;

  private final Random random;
  private final Map<Integer, byte[]> oversizedBatches = new HashMap<>();

  public FuzzInputs(long seed) {
    this.random = new Random(seed);
  }

  public static String guardKey(int index) {
    return "fz-guard-" + index;
  }

  /** The next input. */
  public FuzzInput next() {
    int pick = random.nextInt(100);
    if (pick < 25) {
      return new FuzzInput(random.nextBoolean() ? ACQUIRE : ACQUIRE_BATCH,
          randomBytes(random.nextInt(300)), "random bytes", false, null);
    }
    if (pick < 50) {
      return new FuzzInput(ACQUIRE, mutate(validRequest().toByteArray(), random),
          "mutated valid", false, null);
    }
    if (pick < 91) {
      return invalidAcquire();
    }
    if (pick < 93) {
      return idAtTheBound();
    }
    if (pick < 95) {
      return oversizedBatch();
    }
    if (pick < 98) {
      return invalidRule();
    }
    return adminGarbage();
  }

  /**
   * Random bytes or a valid rule mutated, to {@code SetLimit} (sent with the admin token, so it
   * reaches the parser). Either may turn out a well-formed rule and be set: rules are then
   * changed by design, under prefixes the guarded keys do not start with.
   */
  private FuzzInput adminGarbage() {
    if (random.nextBoolean()) {
      return new FuzzInput(SET_LIMIT, randomBytes(random.nextInt(200)), "admin random bytes",
          false, null);
    }
    LimitRule rule = LimitRule.newBuilder().setPrefix("fz-admin-" + random.nextInt(100) + ":")
        .setCapacity(1 + random.nextInt(1_000)).setRefillPerSecond(1 + random.nextInt(100))
        .build();
    return new FuzzInput(SET_LIMIT, mutate(SetLimitRequest.newBuilder().setRule(rule).build()
        .toByteArray(), random), "admin rule mutated", false, null);
  }

  /**
   * A request whose {@code request_id} is exactly {@link BucketOp#MAX_ID_BYTES} UTF-8 bytes,
   * in one-byte or in two-byte characters: valid, so it must be decided (the bound
   * counts bytes, and a bound off by one would refuse it).
   */
  private FuzzInput idAtTheBound() {
    boolean wide = random.nextBoolean();
    String id = wide ? "\u00e9".repeat(BucketOp.MAX_ID_BYTES / 2)
        : "i".repeat(BucketOp.MAX_ID_BYTES);
    byte[] request = validRequest().toBuilder().setPermits(1).setRequestId(id).build()
        .toByteArray();
    return new FuzzInput(ACQUIRE, request, FuzzInput.VALID + "request_id of 64 bytes"
        + (wide ? " (2-byte chars)" : ""), false, null);
  }

  /** A valid STRONG acquire on a key of its own namespace, with a limit of its own. */
  private AcquireRequest validRequest() {
    return AcquireRequest.newBuilder()
        .setKey("fz-valid-" + random.nextInt(10_000))
        .setPermits(random.nextInt(3))
        .setLimit(Limit.newBuilder().setCapacity(1 + random.nextInt(50)).setRefillPerSecond(10))
        .setRequestId(random.nextBoolean() ? "" : "id-" + random.nextLong())
        .build();
  }

  /** A request for a guarded key with one field out of range (or the key itself bad). */
  private FuzzInput invalidAcquire() {
    String key = guardKey(random.nextInt(GUARD_KEYS));
    AcquireRequest.Builder request = AcquireRequest.newBuilder().setKey(key).setPermits(1)
        .setLimit(Limit.newBuilder().setCapacity(GUARD_CAPACITY).setRefillPerSecond(0.001));
    switch (random.nextInt(13)) {
      case 0 -> {
        return invalid("permits < 0", request.setPermits(-1 - random.nextInt(1 << 30)), key);
      }
      case 1 -> {
        return invalid("permits > capacity",
            request.setPermits(GUARD_CAPACITY + 1 + random.nextInt(1_000)), key);
      }
      case 2 -> {
        return invalid("capacity < 1",
            request.setLimit(request.getLimit().toBuilder().setCapacity(-random.nextInt(3))), key);
      }
      case 3 -> {
        return invalid("capacity too large", request.setLimit(request.getLimit().toBuilder()
            .setCapacity(BucketLimit.MAX_CAPACITY + 1 + random.nextInt(1 << 20))), key);
      }
      case 4 -> {
        double[] bad = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0, -1,
            1e-9, 1e13, Double.MAX_VALUE, -Double.MIN_VALUE};
        return invalid("refill out of range", request.setLimit(request.getLimit().toBuilder()
            .setRefillPerSecond(bad[random.nextInt(bad.length)])), key);
      }
      case 5 -> {
        return invalid("unknown consistency",
            request.setConsistencyValue(4 + random.nextInt(1000)), key);
      }
      case 6 -> {
        return invalid("request_id too long",
            request.setRequestId("r".repeat(65 + random.nextInt(200))), key);
      }
      case 7 -> {
        return new FuzzInput(ACQUIRE, request.setKey("").build().toByteArray(), "empty key", true,
            null);
      }
      case 11 -> { // 64 characters or fewer, more than 64 bytes: the bound counts bytes
        String wide = random.nextBoolean() ? "\u00e9" : "\ud83d\ude00";
        int length = BucketOp.MAX_ID_BYTES / wide.getBytes(UTF_8).length + 1;
        return invalid("request_id past 64 bytes in wide chars",
            request.setRequestId(wide.repeat(length + random.nextInt(8))), key);
      }
      case 8 -> {
        return new FuzzInput(ACQUIRE,
            request.setKey("k".repeat(513 + random.nextInt(2_000))).build().toByteArray(),
            "key too long", true, null);
      }
      case 9 -> {
        return new FuzzInput(ACQUIRE, withRawKey(new byte[] {'f', 'z', (byte) 0xff, (byte) 0xfe}),
            "key not UTF-8", true, null);
      }
      case 10 -> { // of a valid request: a cut one may still parse, and take tokens
        byte[] whole = validRequest().toByteArray();
        return new FuzzInput(ACQUIRE, Arrays.copyOf(whole, random.nextInt(whole.length)),
            "truncated", false, null);
      }
      default -> {
        return new FuzzInput(ACQUIRE, withRawKey(randomBytes(1 + random.nextInt(40))),
            "key random bytes", false, null);
      }
    }
  }

  private static FuzzInput invalid(String kind, AcquireRequest.Builder request, String key) {
    return new FuzzInput(ACQUIRE, request.build().toByteArray(), kind, true, key);
  }

  /** More requests than a batch may hold, all for one guarded key. */
  private FuzzInput oversizedBatch() {
    int guard = random.nextInt(GUARD_KEYS);
    return new FuzzInput(ACQUIRE_BATCH, oversizedBatches.computeIfAbsent(guard, g -> {
      AcquireBatchRequest.Builder batch = AcquireBatchRequest.newBuilder();
      AcquireRequest one = AcquireRequest.newBuilder().setKey(guardKey(g))
          .setLimit(Limit.newBuilder().setCapacity(GUARD_CAPACITY).setRefillPerSecond(0.001))
          .build();
      for (int i = 0; i < 10_001; i++) {
        batch.addRequests(one);
      }
      return batch.build().toByteArray(); // built once per key: 10,001 requests are costly
    }), "batch of 10,001", true, guardKey(guard));
  }

  /** An admin rule out of range. */
  private FuzzInput invalidRule() {
    LimitRule.Builder rule = LimitRule.newBuilder().setPrefix("fz-rule:").setCapacity(5)
        .setRefillPerSecond(1);
    String kind;
    switch (random.nextInt(3)) {
      case 0 -> {
        rule.setPrefix("p".repeat(513 + random.nextInt(500)));
        kind = "rule prefix too long";
      }
      case 1 -> {
        rule.setCapacity(-random.nextInt(2));
        kind = "rule capacity < 1";
      }
      default -> {
        rule.setRefillPerSecond(random.nextBoolean() ? Double.NaN : -1);
        kind = "rule refill out of range";
      }
    }
    return new FuzzInput(SET_LIMIT, SetLimitRequest.newBuilder().setRule(rule).build()
        .toByteArray(), kind, true, null);
  }

  /** Flips, cuts or inserts bytes of a valid request (or log entry). */
  static byte[] mutate(byte[] valid, Random random) {
    List<Byte> bytes = new ArrayList<>();
    for (byte b : valid) {
      bytes.add(b);
    }
    int edits = 1 + random.nextInt(4);
    for (int i = 0; i < edits && !bytes.isEmpty(); i++) {
      int at = random.nextInt(bytes.size());
      switch (random.nextInt(3)) {
        case 0 -> bytes.set(at, (byte) (bytes.get(at) ^ (1 << random.nextInt(8))));
        case 1 -> bytes.subList(at, bytes.size()).clear();
        default -> bytes.add(at, (byte) random.nextInt(256));
      }
    }
    byte[] out = new byte[bytes.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = bytes.get(i);
    }
    return out;
  }

  /** An AcquireRequest whose key field holds {@code key} as raw bytes (proto3 wants UTF-8). */
  private static byte[] withRawKey(byte[] key) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.writeBytes(1, ByteString.copyFrom(key));
      out.writeInt64(2, 1);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }
}
