package io.raftlimiter.cli;

import io.grpc.StatusRuntimeException;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.client.RateLimiterClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** One acquire against a running cluster. */
@Command(name = "acquire", mixinStandardHelpOptions = true,
    description = {"Take permits from KEY's bucket.",
        "Exit code 0: allowed; 1: rejected; 3: the cluster could not decide."})
final class AcquireCommand implements Callable<Integer> {
  @Option(names = "--target", required = true, split = ",",
      description = "Node client address(es), HOST:PORT[,HOST:PORT...].")
  List<String> targets;

  @Parameters(index = "0", paramLabel = "KEY", description = "The client's key.")
  String key;

  @Option(names = "--permits", defaultValue = "1", description = "Tokens to take (default 1).")
  long permits;

  @Option(names = "--capacity", description = "Bucket capacity; with --refill, overrides the default limit.")
  Long capacity;

  @Option(names = "--refill", description = "Refill per second; with --capacity.")
  Double refill;

  @Option(names = "--consistency", defaultValue = "UNSPECIFIED",
      description = "UNSPECIFIED (node default), STRONG, EVENTUAL or LEASED.")
  String consistency;

  @Mixin TlsOptions tls = new TlsOptions();

  @Option(names = "--timeout-ms", defaultValue = "5000", description = "Deadline of the call.")
  long timeoutMillis;

  @Override
  public Integer call() {
    if ((capacity == null) != (refill == null)) {
      throw new UsageException("--capacity and --refill go together");
    }
    if (timeoutMillis <= 0) {
      throw new UsageException("--timeout-ms must be > 0, got " + timeoutMillis);
    }
    AcquireRequest.Builder request = AcquireRequest.newBuilder()
        .setKey(key)
        .setPermits(permits)
        .setConsistency(parseConsistency(consistency));
    if (capacity != null) {
      request.setLimit(Limit.newBuilder().setCapacity(capacity).setRefillPerSecond(refill));
    }
    try (RateLimiterClient client = RateLimiterClient.newBuilder()
        .endpoints(targets)
        .deadline(Duration.ofMillis(timeoutMillis))
        .credentials(tls.credentials(null))
        .build()) {
      AcquireResponse response = client.acquire(request.build());
      System.out.printf("%s key=%s remaining=%d retry_after_ms=%d limit=%d@%s/s%n",
          response.getAllowed() ? "allowed" : "rejected", key, response.getRemaining(),
          response.getRetryAfterMillis(), response.getLimit().getCapacity(),
          response.getLimit().getRefillPerSecond());
      return response.getAllowed() ? 0 : Rlctl.EXIT_FAILURE;
    } catch (StatusRuntimeException e) {
      String description = e.getStatus().getDescription();
      System.err.println("rlctl: " + e.getStatus().getCode()
          + (description == null ? "" : ": " + description));
      return switch (e.getStatus().getCode()) {
        case INVALID_ARGUMENT -> Rlctl.EXIT_USAGE;
        default -> Rlctl.EXIT_UNAVAILABLE;
      };
    }
  }

  private static Consistency parseConsistency(String text) {
    String name = text.trim().toUpperCase(java.util.Locale.ROOT);
    return switch (name) {
      case "UNSPECIFIED" -> Consistency.CONSISTENCY_UNSPECIFIED;
      case "STRONG" -> Consistency.CONSISTENCY_STRONG;
      case "EVENTUAL" -> Consistency.CONSISTENCY_EVENTUAL;
      case "LEASED" -> Consistency.CONSISTENCY_LEASED;
      default -> throw new UsageException(
          "--consistency must be UNSPECIFIED, STRONG, EVENTUAL or LEASED, got " + text);
    };
  }
}
