package io.raftlimiter.bench.redis;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Redis protocol (RESP2), as much as a benchmark client needs: commands out as arrays of bulk
 * strings; replies in as {@code String} (simple and bulk), {@code Long}, {@code List<Object>},
 * {@code null} (nil) or a {@link RespError} value (returned, not thrown, so one error does not
 * desynchronise a pipeline).
 */
public final class Resp {
  private Resp() {}

  /** Appends one command to {@code out}. */
  public static void writeCommand(ByteArrayOutputStream out, String... args) {
    writeLine(out, "*" + args.length);
    for (String arg : args) {
      byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
      writeLine(out, "$" + bytes.length);
      out.write(bytes, 0, bytes.length);
      writeLine(out, "");
    }
  }

  private static void writeLine(ByteArrayOutputStream out, String line) {
    byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
    out.write(bytes, 0, bytes.length);
    out.write('\r');
    out.write('\n');
  }

  /** Reads one reply; blocks until it is complete. */
  public static Object readReply(InputStream in) throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new EOFException("connection closed");
    }
    String line = readLine(in);
    switch (type) {
      case '+':
        return line;
      case '-':
        return new RespError(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int length = Integer.parseInt(line);
        if (length < 0) {
          return null;
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length) {
          throw new EOFException("connection closed in a bulk string");
        }
        readLine(in); // the CRLF after the bytes
        return new String(bytes, StandardCharsets.UTF_8);
      }
      case '*': {
        int count = Integer.parseInt(line);
        if (count < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          items.add(readReply(in));
        }
        return items;
      }
      default:
        throw new IOException("not a RESP reply: type byte " + type);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("connection closed in a line");
      }
      if (c == '\r') {
        if (in.read() != '\n') {
          throw new IOException("CR without LF");
        }
        return line.toString();
      }
      line.append((char) c);
    }
  }
}
