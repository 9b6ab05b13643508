package io.raftlimiter.server.api;

import com.google.gson.JsonObject;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import io.grpc.Metadata;
import io.grpc.Status;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.server.data.commit.GroupCommitter;
import io.raftlimiter.server.ops.OpsHttpServer;
import io.raftlimiter.server.security.NodeTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/acquire} and {@code POST /v1/acquire-batch}: the public API as JSON over HTTP
 * (the proto's JSON mapping, field names in lowerCamelCase), decided by the same
 * {@link Decisions} as gRPC calls: same validation, same errors, no second decide path.
 *
 * <p>HTTP status: 200 allowed; 429 refused, with {@code Retry-After}; 400 invalid (the message
 * says why); 503 unavailable or overloaded (overloaded with {@code Retry-After}); 504 past the deadline. A single acquire's answer
 * carries the IETF {@code RateLimit-Policy} and {@code RateLimit} headers: {@code q} the
 * capacity, {@code w} the seconds a bucket takes to refill from empty, {@code r} the tokens
 * left, {@code t} the seconds until the bucket is full again. A batch answers 200 with each
 * entry's decision or error, as over gRPC.
 *
 * <p>Replies are written on {@code replies}, not on the thread that decided (unless
 * {@code replies} refuses work, when answering on that thread beats leaving the caller waiting).
 */
public final class HttpJsonApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpJsonApi.class);
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .omittingInsignificantWhitespace();

  private final Decisions decisions;
  private final Executor replies;
  private final Predicate<HttpExchange> authenticated;

  /**
   * @param authenticated whether a caller may have decisions: on a TLS node, one that showed a
   *     verified client certificate (as the client port requires); anyone is refused
   *     {@code 401} and nothing is decided otherwise
   */
  public HttpJsonApi(Decisions decisions, Executor replies,
      Predicate<HttpExchange> authenticated) {
    this.decisions = decisions;
    this.replies = replies;
    this.authenticated = authenticated;
  }

  /**
   * Serves both routes on a node's HTTP listener. On a TLS node the listener runs HTTPS, and
   * decisions need what the client port needs.
   */
  public static void serveOn(OpsHttpServer http, Decisions decisions, NodeTransport transport) {
    HttpJsonApi json = new HttpJsonApi(decisions, http.executor(),
        exchange -> transport.httpCallerVerified(OpsHttpServer.verifiedPeer(exchange)));
    http.post("/v1/acquire", json::acquire);
    http.post("/v1/acquire-batch", json::acquireBatch);
  }

  /** {@code POST /v1/acquire}. Never throws; always answers and closes the exchange. */
  public void acquire(HttpExchange exchange) {
    AcquireRequest.Builder request = AcquireRequest.newBuilder();
    if (!parse(exchange, request)) {
      return;
    }
    // HTTP callers set no deadline, and have no certificate subject to scope retry ids by.
    decisions.acquire(request.build(), null, GroupCommitter.NO_DEADLINE)
        .whenComplete((response, error) -> onReplies(() -> answer(exchange, () -> {
          if (error != null) {
            fail(exchange, error);
            return;
          }
          rateLimitHeaders(exchange, response);
          if (!response.getAllowed()) {
            exchange.getResponseHeaders().set("Retry-After",
                Long.toString(ceilSeconds(response.getRetryAfterMillis())));
          }
          reply(exchange, response.getAllowed() ? 200 : 429, print(response));
        })));
  }

  /** {@code POST /v1/acquire-batch}. Never throws; always answers and closes the exchange. */
  public void acquireBatch(HttpExchange exchange) {
    AcquireBatchRequest.Builder request = AcquireBatchRequest.newBuilder();
    if (!parse(exchange, request)) {
      return;
    }
    decisions.acquireBatch(request.build(), null, null, GroupCommitter.NO_DEADLINE)
        .whenComplete((response, error) -> onReplies(() -> answer(exchange, () -> {
          if (error != null) {
            fail(exchange, error);
          } else {
            reply(exchange, 200, print(response));
          }
        })));
  }

  /** The status an HTTP client gets for a call that ended with {@code code}. */
  static int httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case UNAVAILABLE, RESOURCE_EXHAUSTED -> 503;
      case DEADLINE_EXCEEDED -> 504;
      default -> 500;
    };
  }

  /**
   * The IETF rate-limit headers of a decision (draft-ietf-httpapi-ratelimit-headers), for the
   * limit the decision ran under.
   */
  static void rateLimitHeaders(HttpExchange exchange, AcquireResponse response) {
    Limit limit = response.getLimit();
    if (limit.getCapacity() <= 0 || limit.getRefillPerSecond() <= 0) {
      return;
    }
    long window = (long) Math.ceil(limit.getCapacity() / limit.getRefillPerSecond());
    long untilFull = (long) Math.ceil(
        Math.max(0, limit.getCapacity() - response.getRemaining()) / limit.getRefillPerSecond());
    exchange.getResponseHeaders().set("RateLimit-Policy",
        "\"bucket\";q=" + limit.getCapacity() + ";w=" + window);
    exchange.getResponseHeaders().set("RateLimit",
        "\"bucket\";r=" + Math.max(0, response.getRemaining()) + ";t=" + untilFull);
  }

  /** Answers on the reply threads; if they take no more work, on this thread (never not at all). */
  private void onReplies(Runnable replying) {
    try {
      replies.execute(replying);
    } catch (RejectedExecutionException e) {
      replying.run();
    }
  }

  /** Runs {@code replying}; if it throws, answers 500 instead, so the exchange always ends. */
  private static void answer(HttpExchange exchange, Runnable replying) {
    try {
      replying.run();
    } catch (RuntimeException e) {
      LOG.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(),
          e.toString());
      reply(exchange, 500, error(Status.Code.INTERNAL, "internal error"));
    }
  }

  private static long ceilSeconds(long millis) {
    return Math.max(1, (millis + 999) / 1000);
  }

  /** Reads the body into {@code into}; on failure answers 400 or 405 and returns false. */
  private boolean parse(HttpExchange exchange, Message.Builder into) {
    if (!authenticated.test(exchange)) {
      reply(exchange, 401, error(Status.Code.UNAUTHENTICATED, "this node runs TLS: decisions "
          + "need a client certificate of the cluster's authority"));
      return false;
    }
    if (!exchange.getRequestMethod().equals("POST")) {
      exchange.getResponseHeaders().set("Allow", "POST");
      reply(exchange, 405, error(Status.Code.INVALID_ARGUMENT, "use POST with a JSON body"));
      return false;
    }
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(RequestValidator.MAX_REQUEST_BYTES + 1);
      if (body.length > RequestValidator.MAX_REQUEST_BYTES) {
        reply(exchange, 413, error(Status.Code.INVALID_ARGUMENT, "the body is over "
            + RequestValidator.MAX_REQUEST_BYTES + " bytes"));
        return false;
      }
      PARSER.merge(new String(body, StandardCharsets.UTF_8), into);
      return true;
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      reply(exchange, 400, error(Status.Code.INVALID_ARGUMENT, "the body is not a valid "
          + into.getDescriptorForType().getName() + " in JSON: " + e.getMessage()));
      return false;
    } catch (IOException e) {
      reply(exchange, 400, error(Status.Code.INVALID_ARGUMENT, "cannot read the body: " + e));
      return false;
    }
  }

  /** Answers a call that failed; a shed one says when to try again ({@code Retry-After}). */
  private static void fail(HttpExchange exchange, Throwable error) {
    Status status = Status.fromThrowable(error);
    Metadata trailers = Status.trailersFromThrowable(error);
    String retryAfterMillis = trailers == null ? null : trailers.get(Decisions.RETRY_AFTER_MILLIS);
    if (retryAfterMillis != null) {
      exchange.getResponseHeaders().set("Retry-After",
          Long.toString(ceilSeconds(Long.parseLong(retryAfterMillis))));
    }
    reply(exchange, httpStatus(status.getCode()), error(status.getCode(),
        status.getDescription() == null ? status.getCode().name() : status.getDescription()));
  }

  /** {@code {"code":"INVALID_ARGUMENT","message":"..."}}, as gRPC-JSON gateways answer. */
  static String error(Status.Code code, String message) {
    // Gson escapes what JSON requires (control characters included); by hand, a tab or a
    // carriage return in a message made the reply invalid JSON
    JsonObject error = new JsonObject();
    error.addProperty("code", code.name());
    error.addProperty("message", message);
    return error.toString();
  }

  private static String print(Message message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void reply(HttpExchange exchange, int status, String json) {
    try (exchange) {
      byte[] body = (json + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("{} {}: the client went away: {}", exchange.getRequestMethod(),
          exchange.getRequestURI().getPath().toLowerCase(Locale.ROOT), e.toString());
    }
  }
}
