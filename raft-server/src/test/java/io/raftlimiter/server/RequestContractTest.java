package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireBatchResponse;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The public API's contract, through leader and followers alike: every invalid input is refused
 * with INVALID_ARGUMENT and a message naming the problem, before anything is consumed; batches
 * answer in request order; {@code retry_after_millis} says truly when tokens will be there.
 *
 * <p>One cluster serves the whole class (these tests only read its answers, each on its own
 * keys), and after every test each node must still answer a valid request.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("cluster")
class RequestContractTest {
  private static final long CAPACITY = 5;
  private static final double SLOW_REFILL = 0.001;

  @TempDir static Path dir;
  private static ClusterFixture fixture;
  private static int nextNode;

  @BeforeAll
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  static void startCluster() throws Exception {
    // Eight groups: batches span groups and most requests are forwarded to another node.
    fixture = ClusterFixture.start(dir, b -> b.set(NodeConfigKeys.GROUPS, 8));
  }

  @AfterAll
  static void stopCluster() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @AfterEach
  void everyNodeStillServes() {
    for (int node = 0; node < 3; node++) {
      AcquireResponse response = fixture.client(node)
          .acquire(request("still-serving-" + node + "-" + System.nanoTime(), CAPACITY, SLOW_REFILL));
      assertTrue(response.getAllowed(), "node " + node + " answers a valid request");
      assertEquals(CAPACITY - 1, response.getRemaining());
    }
  }

  /** The next node in turn: requests go through the leader and the followers alike. */
  private static RateLimiterClient anyNode() {
    return fixture.pinned(nextNode++ % 3);
  }

  private record Invalid(String name, AcquireRequest request, String messagePart) {}

  @Test
  void invalidRequestsAreRefusedBeforeAnythingIsConsumed() {
    String key513 = "é".repeat(256) + "a";
    assertEquals(513, key513.getBytes(StandardCharsets.UTF_8).length);
    List<Invalid> cases = List.of(
        new Invalid("empty key", request("", CAPACITY, 1), "key must not be empty"),
        new Invalid("513-byte key", request(key513, CAPACITY, 1), "key is 513 UTF-8 bytes"),
        new Invalid("negative permits", request("neg-permits", -1, CAPACITY, 1), "permits must be >= 0"),
        new Invalid("permits above capacity", request("big-permits", CAPACITY + 1, CAPACITY, 1),
            "exceed the bucket capacity"),
        new Invalid("permits above the default capacity",
            AcquireRequest.newBuilder().setKey("big-default").setPermits(101).build(),
            "exceed the bucket capacity 100"),
        new Invalid("capacity 0", request("cap-zero", 0, 1), "limit.capacity must be from 1"),
        new Invalid("negative capacity", request("cap-neg", -3, 1), "limit.capacity must be from 1"),
        new Invalid("capacity above the maximum", request("cap-max", 1_000_000_000_001L, 1),
            "limit.capacity must be from 1"),
        new Invalid("refill 0", request("refill-zero", CAPACITY, 0), "finite number > 0"),
        new Invalid("negative refill", request("refill-neg", CAPACITY, -1), "finite number > 0"),
        new Invalid("NaN refill", request("refill-nan", CAPACITY, Double.NaN), "finite number > 0"),
        new Invalid("infinite refill", request("refill-inf", CAPACITY, Double.POSITIVE_INFINITY),
            "finite number > 0"),
        new Invalid("refill below the minimum", request("refill-tiny", CAPACITY, 1e-7),
            "limit.refill_per_second must be from"),
        new Invalid("refill above the maximum", request("refill-huge", CAPACITY, 1e13),
            "limit.refill_per_second must be from"),
        new Invalid("65-byte request_id",
            request("long-id", CAPACITY, 1).toBuilder().setRequestId("r".repeat(65)).build(),
            "request_id is 65 UTF-8 bytes"),
        new Invalid("unknown consistency",
            request("consistency-99", CAPACITY, 1).toBuilder().setConsistencyValue(99).build(),
            "unknown consistency value 99"));

    for (Invalid invalid : cases) {
      StatusRuntimeException e = assertRefused(Status.Code.INVALID_ARGUMENT,
          () -> anyNode().acquire(invalid.request()), invalid.name());
      String message = e.getStatus().getDescription();
      assertNotNull(message, invalid.name() + ": no message");
      assertTrue(message.contains(invalid.messagePart()),
          invalid.name() + ": message '" + message + "' should say '" + invalid.messagePart() + "'");
    }
    for (Invalid invalid : cases) {
      String key = invalid.request().getKey();
      if (!key.isEmpty() && key.getBytes(StandardCharsets.UTF_8).length <= 512) {
        assertUntouched(key);
      }
    }
  }

  /**
   * Bytes that are not a valid message (proto3 forbids a string that is not UTF-8; a truncated
   * field) fail in the transport before any handler runs; gRPC reported them as INTERNAL.
   */
  @Test
  void requestsThatDoNotParseAreInvalidArguments() {
    byte[] notUtf8Key = {0x0a, 0x02, (byte) 0xff, (byte) 0xfe}; // key = 0xff 0xfe
    byte[] truncated = {0x0a, 0x10, 'a', 'b'}; // a 16-byte key with 2 bytes sent
    byte[] batchWithNotUtf8Key = new byte[2 + notUtf8Key.length];
    batchWithNotUtf8Key[0] = 0x0a; // requests = [the request above]
    batchWithNotUtf8Key[1] = (byte) notUtf8Key.length;
    System.arraycopy(notUtf8Key, 0, batchWithNotUtf8Key, 2, notUtf8Key.length);
    for (int node = 0; node < 3; node++) {
      ManagedChannel channel = ManagedChannelBuilder
          .forTarget(fixture.cluster().endpoints().get(node)).usePlaintext().build();
      try {
        assertInvalidBytes(channel, "Acquire", notUtf8Key, "UTF-8");
        assertInvalidBytes(channel, "Acquire", truncated, "AcquireRequest");
        assertInvalidBytes(channel, "AcquireBatch", batchWithNotUtf8Key, "UTF-8");
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static void assertInvalidBytes(ManagedChannel channel, String method, byte[] body,
      String messagePart) {
    MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(
            RateLimiterGrpc.SERVICE_NAME, method))
        .setRequestMarshaller(RawBytes.INSTANCE)
        .setResponseMarshaller(RawBytes.INSTANCE)
        .build();
    StatusRuntimeException e = assertRefused(Status.Code.INVALID_ARGUMENT,
        () -> ClientCalls.blockingUnaryCall(channel, raw,
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), body),
        method + " with " + HexFormat.of().formatHex(body));
    String message = e.getStatus().getDescription();
    assertTrue(message != null && message.contains(messagePart),
        "message '" + message + "' should say '" + messagePart + "'");
  }

  private enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Consistency.class, names = {"CONSISTENCY_EVENTUAL", "CONSISTENCY_LEASED"})
  void theModesThatDecideLocallyKeepTheSameContract(Consistency mode) {
    String suffix = "-" + mode.getNumber();
    List<Invalid> cases = List.of(
        new Invalid("empty key", request("", CAPACITY, 1), "key must not be empty"),
        new Invalid("permits above capacity", request("big" + suffix, CAPACITY + 1, CAPACITY, 1),
            "exceed the bucket capacity"),
        new Invalid("NaN refill", request("nan" + suffix, CAPACITY, Double.NaN), "finite number > 0"));
    for (Invalid invalid : cases) {
      AcquireRequest inMode = invalid.request().toBuilder().setConsistency(mode).build();
      StatusRuntimeException e = assertRefused(Status.Code.INVALID_ARGUMENT,
          () -> anyNode().acquire(inMode), mode + " " + invalid.name());
      assertTrue(e.getStatus().getDescription().contains(invalid.messagePart()),
          e.getStatus().getDescription());
      AcquireBatchRequest batch = AcquireBatchRequest.newBuilder()
          .addRequests(request("batch" + suffix, CAPACITY, SLOW_REFILL).toBuilder().setConsistency(mode))
          .addRequests(inMode)
          .build();
      assertRefused(Status.Code.INVALID_ARGUMENT, () -> anyNode().acquireBatch(batch), mode + " batch");
    }
    assertUntouched("big" + suffix);
    assertUntouched("nan" + suffix);
    assertUntouched("batch" + suffix);

    // a batch may mix the modes; each answer is in request order and under its own mode
    AcquireBatchRequest mixed = AcquireBatchRequest.newBuilder()
        .addRequests(request("mixed-strong" + suffix, 2, 2, SLOW_REFILL))
        .addRequests(request("mixed-local" + suffix, 1, 3, SLOW_REFILL).toBuilder().setConsistency(mode))
        .addRequests(request("mixed-strong" + suffix, 1, 2, SLOW_REFILL))
        .build();
    List<AcquireResponse> answers = anyNode().acquireBatch(mixed).getResponsesList();
    assertEquals(3, answers.size());
    assertTrue(answers.get(0).getAllowed());
    assertEquals(3, answers.get(1).getLimit().getCapacity());
    assertTrue(answers.get(1).getAllowed());
    assertFalse(answers.get(2).getAllowed(), "the first entry took both tokens");
  }

  @Test
  void boundaryValuesAreAccepted() {
    String key512 = "é".repeat(256);
    AcquireResponse longKey = anyNode().acquire(request(key512, CAPACITY, SLOW_REFILL));
    assertTrue(longKey.getAllowed(), "a key of exactly 512 UTF-8 bytes");
    AcquireResponse wholeBucket = anyNode().acquire(request("whole", CAPACITY, CAPACITY, SLOW_REFILL));
    assertTrue(wholeBucket.getAllowed(), "permits == capacity");
    assertEquals(0, wholeBucket.getRemaining());
    AcquireResponse extremes = anyNode().acquire(request("extremes", 1_000_000_000_000L, 1e-6));
    assertTrue(extremes.getAllowed(), "the largest capacity with the smallest refill");
    assertEquals(999_999_999_999L, extremes.getRemaining());
    AcquireResponse byDefault = anyNode().acquire(AcquireRequest.newBuilder().setKey("default").build());
    assertTrue(byDefault.getAllowed(), "no limit: the cluster's default");
    assertEquals(100, byDefault.getLimit().getCapacity());
    assertEquals(99, byDefault.getRemaining());
  }

  /**
   * A request sent again under its request_id (its answer was lost, or it failed UNAVAILABLE
   * after it had in fact been committed), through any node, alone or in a batch, is answered
   * with the first decision and takes nothing more. Without ids every repeat took a token.
   */
  @Test
  void aRequestRepeatedUnderItsIdIsDecidedOnce() {
    AcquireRequest first = request("idempotent", 2, SLOW_REFILL).toBuilder()
        .setRequestId("req-1").build();
    AcquireResponse decided = fixture.client(0).acquire(first);
    assertTrue(decided.getAllowed());
    assertEquals(1, decided.getRemaining());
    assertFalse(decided.getReplayed());
    AcquireResponse replayed = decided.toBuilder().setReplayed(true).build();
    for (int node = 0; node < 3; node++) {
      assertEquals(replayed, fixture.client(node).acquire(first), "repeat through node " + node);
    }
    AcquireBatchResponse batch = anyNode().acquireBatch(AcquireBatchRequest.newBuilder()
        .addRequests(first)
        .addRequests(first.toBuilder().setRequestId("req-2"))
        .addRequests(first.toBuilder().setRequestId("req-2"))
        .addRequests(first.toBuilder().setRequestId("req-3"))
        .build());
    assertEquals(replayed, batch.getResponses(0), "the first decision again");
    assertTrue(batch.getResponses(1).getAllowed(), "the last token");
    assertEquals(0, batch.getResponses(1).getRemaining());
    assertEquals(batch.getResponses(1).toBuilder().setReplayed(true).build(),
        batch.getResponses(2), "repeated within the batch");
    assertFalse(batch.getResponses(3).getAllowed(), "a new request finds the bucket empty");
    // the same id on another key is another request
    assertEquals(CAPACITY - 1, anyNode().acquire(request("idempotent-other", CAPACITY,
        SLOW_REFILL).toBuilder().setRequestId("req-1").build()).getRemaining());
  }

  @Test
  void permitsZeroMeansOne() {
    AcquireRequest zero = request("zero-permits", 0, CAPACITY, SLOW_REFILL);
    assertEquals(CAPACITY - 1, anyNode().acquire(zero).getRemaining());
    assertEquals(CAPACITY - 2, anyNode().acquire(zero).getRemaining());
  }

  @Test
  void batchOverTenThousandIsRefusedWhole() {
    AcquireBatchRequest.Builder batch = AcquireBatchRequest.newBuilder();
    for (int i = 0; i <= 10_000; i++) {
      batch.addRequests(request("oversized-" + i, CAPACITY, SLOW_REFILL));
    }
    StatusRuntimeException e = assertRefused(Status.Code.INVALID_ARGUMENT,
        () -> anyNode().acquireBatch(batch.build()), "batch of 10,001");
    assertTrue(e.getStatus().getDescription().contains("at most 10000"), e.getStatus().getDescription());
    assertUntouched("oversized-0");
    assertUntouched("oversized-10000");
  }

  @Test
  void batchWithOneInvalidEntryConsumesNothing() {
    AcquireBatchRequest batch = AcquireBatchRequest.newBuilder()
        .addRequests(request("mixed-0", CAPACITY, SLOW_REFILL))
        .addRequests(request("mixed-1", CAPACITY, SLOW_REFILL))
        .addRequests(request("mixed-2", CAPACITY, Double.NaN))
        .addRequests(request("mixed-3", CAPACITY, SLOW_REFILL))
        .build();
    StatusRuntimeException e = assertRefused(Status.Code.INVALID_ARGUMENT,
        () -> anyNode().acquireBatch(batch), "batch with an invalid entry");
    assertTrue(e.getStatus().getDescription().startsWith("requests[2]: "),
        "the message names the invalid entry: " + e.getStatus().getDescription());
    for (String key : List.of("mixed-0", "mixed-1", "mixed-2", "mixed-3")) {
      assertUntouched(key);
    }
  }

  @Test
  void batchesAnswerInRequestOrder() {
    // Distinct limits per entry, so each answer shows which request it belongs to.
    AcquireBatchRequest.Builder small = AcquireBatchRequest.newBuilder();
    for (int i = 0; i < 50; i++) {
      small.addRequests(request("order-" + i, 100 + i, i + 1));
    }
    // One key several times in a batch: its bucket holds 3, so exactly 3 are allowed.
    for (int i = 0; i < 5; i++) {
      small.addRequests(request("order-dup", 3, SLOW_REFILL));
    }
    AcquireBatchResponse answer = anyNode().acquireBatch(small.build());
    assertEquals(55, answer.getResponsesCount());
    for (int i = 0; i < 50; i++) {
      AcquireResponse r = answer.getResponses(i);
      assertEquals(Limit.newBuilder().setCapacity(100 + i).setRefillPerSecond(i + 1).build(), r.getLimit(),
          "answer " + i + " echoes request " + i + "'s limit");
      assertTrue(r.getAllowed());
      assertEquals(100 + i - 1, r.getRemaining());
    }
    long dupAllowed = answer.getResponsesList().subList(50, 55).stream()
        .filter(AcquireResponse::getAllowed).count();
    assertEquals(3, dupAllowed, "a bucket of 3 asked 5 times in one batch");

    // The largest batch allowed, in order too.
    AcquireBatchRequest.Builder largest = AcquireBatchRequest.newBuilder();
    for (int i = 0; i < 10_000; i++) {
      largest.addRequests(request("largest-" + i, i + 1, SLOW_REFILL));
    }
    AcquireBatchResponse answers = anyNode().acquireBatch(largest.build());
    assertEquals(10_000, answers.getResponsesCount());
    for (int i = 0; i < 10_000; i++) {
      AcquireResponse r = answers.getResponses(i);
      assertEquals(i + 1, r.getLimit().getCapacity(), "answer " + i + " is for request " + i);
      assertTrue(r.getAllowed());
      assertEquals(i, r.getRemaining());
    }
  }

  @Test
  void theLargestBatchOfTheLongestKeysIsDecided() {
    // 10,000 keys of 512 bytes: over 5 MB in one call and in the log, more than gRPC's and the
    // appender's defaults; it must be decided, not refused by a transport limit.
    String padding = "k".repeat(500);
    AcquireBatchRequest.Builder batch = AcquireBatchRequest.newBuilder();
    for (int i = 0; i < 10_000; i++) {
      String key = String.format("%s-%011d", padding, i);
      assertEquals(512, key.length());
      batch.addRequests(request(key, CAPACITY, SLOW_REFILL));
    }
    AcquireBatchResponse answers = anyNode().acquireBatch(batch.build());
    assertEquals(10_000, answers.getResponsesCount());
    assertTrue(answers.getResponsesList().stream().allMatch(AcquireResponse::getAllowed));
  }

  @Test
  void rejectionSaysWhenTheTokenWillBeThere() throws InterruptedException {
    AcquireRequest oneAtATime = request("one-per-second", 1, 1.0);
    AcquireResponse first = anyNode().acquire(oneAtATime);
    assertTrue(first.getAllowed());
    assertEquals(0, first.getRetryAfterMillis(), "allowed: nothing to wait for");

    AcquireResponse second = anyNode().acquire(oneAtATime);
    assertFalse(second.getAllowed());
    assertEquals(0, second.getRemaining());
    long retryAfterMillis = second.getRetryAfterMillis();
    assertTrue(retryAfterMillis > 0 && retryAfterMillis <= 1_000,
        "one token at 1/s is at most a second away: " + retryAfterMillis);

    // The promise holds: once retry_after has passed, the token is there. Every later request
    // is stamped at or after the time it was sent, so this is not a race.
    Thread.sleep(retryAfterMillis);
    AcquireResponse third = anyNode().acquire(oneAtATime);
    assertTrue(third.getAllowed(), "still rejected " + retryAfterMillis + " ms later: " + third);
  }

  @Test
  void retryAfterCoversTheWholeDeficit() {
    AcquireRequest one = request("deficit", 1, 10, 1.0);
    long startNanos = RecordingLoad.wallNanos();
    for (int i = 0; i < 10; i++) {
      assertTrue(anyNode().acquire(one).getAllowed());
    }
    AcquireResponse five = anyNode().acquire(request("deficit", 5, 10, 1.0));
    long elapsedMillis = (RecordingLoad.wallNanos() - startNanos) / 1_000_000;
    assertFalse(five.getAllowed(), "the bucket was emptied " + elapsedMillis + " ms ago");
    // At 1 token/s, at most elapsed/1000 tokens came back since the bucket was full.
    assertTrue(five.getRetryAfterMillis() <= 5_000, "five tokens: " + five.getRetryAfterMillis());
    assertTrue(five.getRetryAfterMillis() >= 5_000 - elapsedMillis - 1,
        "five tokens after " + elapsedMillis + " ms: " + five.getRetryAfterMillis());
    AcquireResponse single = anyNode().acquire(one);
    if (!single.getAllowed()) {
      assertTrue(single.getRetryAfterMillis() > 0 && single.getRetryAfterMillis() <= 1_000,
          "one token: " + single.getRetryAfterMillis());
    }
  }

  private static StatusRuntimeException assertRefused(Status.Code code, Supplier<?> call, String what) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::get, what);
    assertEquals(code, e.getStatus().getCode(), what + ": " + e.getStatus());
    return e;
  }

  /** {@code key}'s bucket is still full: the first valid acquire leaves capacity - 1. */
  private static void assertUntouched(String key) {
    AcquireResponse response = anyNode().acquire(request(key, CAPACITY, SLOW_REFILL));
    assertTrue(response.getAllowed(), key + " was consumed");
    assertEquals(CAPACITY - 1, response.getRemaining(), key + " was consumed");
  }
}
