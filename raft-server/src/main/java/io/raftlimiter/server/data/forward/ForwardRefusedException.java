package io.raftlimiter.server.data.forward;

/**
 * The node an op was forwarded to did not queue it (it does not lead the group, or could not be
 * asked at all before anything was sent), so the op may go another way without being charged
 * twice.
 */
public final class ForwardRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ForwardRefusedException(String message) {
    super(message, null, false, false); // a routine event on leader changes: no stack trace
  }
}
