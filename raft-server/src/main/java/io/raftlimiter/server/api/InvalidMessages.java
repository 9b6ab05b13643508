package io.raftlimiter.server.api;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers a request that cannot be parsed with {@code INVALID_ARGUMENT}. A message that is not
 * valid protobuf for its type (truncated, or with a string field that is not valid UTF-8, which
 * proto3 forbids) fails in the transport before any handler runs, and gRPC answers that with
 * {@code UNKNOWN} ("Application error processing RPC"): a server fault, where the fault is the
 * caller's. Throwing a status from the parser does not help, so parsing is moved into the call:
 * the transport hands over the outcome of the parse, and the call ends with the status.
 */
public final class InvalidMessages {
  private InvalidMessages() {}

  /** A request as parsed: the message, or why it could not be parsed. */
  private record Parsed<Q>(Q message, RuntimeException error) {}

  /**
   * {@code service} with every method's request parsing checked: a message that does not parse
   * ends the call with {@code INVALID_ARGUMENT} naming the message type and the reason, and
   * {@code onInvalid} runs (to count it). Nothing reaches the handler, so nothing is consumed.
   */
  public static ServerServiceDefinition rejectedAsInvalidArgument(ServerServiceDefinition service,
      Runnable onInvalid) {
    ServiceDescriptor original = service.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      methods.add(checked(method, onInvalid));
    }
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    methods.forEach(method -> descriptor.addMethod(method.getMethodDescriptor()));
    ServerServiceDefinition.Builder checked = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(checked::addMethod);
    return checked.build();
  }

  private static <Q, R> ServerMethodDefinition<Parsed<Q>, R> checked(
      ServerMethodDefinition<Q, R> method, Runnable onInvalid) {
    MethodDescriptor<Q, R> typed = method.getMethodDescriptor();
    MethodDescriptor.Marshaller<Q> parser = typed.getRequestMarshaller();
    MethodDescriptor.Marshaller<Parsed<Q>> parseOutcome = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(Parsed<Q> value) {
        return parser.stream(value.message());
      }

      @Override
      public Parsed<Q> parse(InputStream stream) {
        try {
          return new Parsed<>(parser.parse(stream), null);
        } catch (RuntimeException e) {
          return new Parsed<>(null, e);
        }
      }
    };
    MethodDescriptor<Parsed<Q>, R> outcomes =
        typed.toBuilder(parseOutcome, typed.getResponseMarshaller()).build();
    ServerCallHandler<Parsed<Q>, R> handler = (call, headers) -> {
      ServerCall.Listener<Q> delegate =
          method.getServerCallHandler().startCall(new TypedCall<>(call, typed), headers);
      return new ServerCall.Listener<>() {
        private boolean rejected;

        @Override
        public void onMessage(Parsed<Q> parsed) {
          if (rejected) {
            return;
          }
          if (parsed.error() == null) {
            delegate.onMessage(parsed.message());
            return;
          }
          rejected = true;
          onInvalid.run();
          Throwable reason = parsed.error().getCause() != null
              ? parsed.error().getCause() : parsed.error();
          call.close(Status.INVALID_ARGUMENT.withDescription("the request is not a valid "
              + requestType(typed) + ": " + reason.getMessage()), new Metadata());
        }

        @Override
        public void onHalfClose() {
          if (!rejected) { // the handler would complain of a call without a request
            delegate.onHalfClose();
          }
        }

        @Override
        public void onCancel() {
          delegate.onCancel();
        }

        @Override
        public void onComplete() {
          delegate.onComplete();
        }

        @Override
        public void onReady() {
          if (!rejected) {
            delegate.onReady();
          }
        }
      };
    };
    return ServerMethodDefinition.create(outcomes, handler);
  }

  private static String requestType(MethodDescriptor<?, ?> descriptor) {
    return descriptor.getRequestMarshaller() instanceof MethodDescriptor.ReflectableMarshaller<?> r
        ? r.getMessageClass().getSimpleName()
        : "request of " + descriptor.getFullMethodName();
  }

  /** The call as the typed handler sees it: the same call, with its own method descriptor. */
  private static final class TypedCall<Q, R> extends ServerCall<Q, R> {
    private final ServerCall<Parsed<Q>, R> call;
    private final MethodDescriptor<Q, R> descriptor;

    TypedCall(ServerCall<Parsed<Q>, R> call, MethodDescriptor<Q, R> descriptor) {
      this.call = call;
      this.descriptor = descriptor;
    }

    @Override
    public void request(int numMessages) {
      call.request(numMessages);
    }

    @Override
    public void sendHeaders(Metadata headers) {
      call.sendHeaders(headers);
    }

    @Override
    public void sendMessage(R message) {
      call.sendMessage(message);
    }

    @Override
    public boolean isReady() {
      return call.isReady();
    }

    @Override
    public void close(Status status, Metadata trailers) {
      call.close(status, trailers);
    }

    @Override
    public boolean isCancelled() {
      return call.isCancelled();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      call.setMessageCompression(enabled);
    }

    @Override
    public void setCompression(String compressor) {
      call.setCompression(compressor);
    }

    @Override
    public SecurityLevel getSecurityLevel() {
      return call.getSecurityLevel();
    }

    @Override
    public Attributes getAttributes() {
      return call.getAttributes();
    }

    @Override
    public String getAuthority() {
      return call.getAuthority();
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return descriptor;
    }
  }
}
