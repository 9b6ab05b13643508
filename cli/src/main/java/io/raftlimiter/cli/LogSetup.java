package io.raftlimiter.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.util.FileSize;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * rlctl's and the node's logging, configured from {@link LogOptions}' system properties (found
 * by Logback through {@code META-INF/services}, so no XML is needed):
 * <ul>
 *   <li>level: {@code --log-level} (default warn; Ratis stays at error unless a level is given,
 *       and its client's expected failover errors are off);
 *   <li>where: standard error, or with {@code --log-file FILE} a file rolled daily and at
 *       100 MB, gzipped, kept 7 days and at most 1 GB;
 *   <li>format: dated text lines, or with {@code --log-format json} one JSON object per event;
 *   <li>repeats: a Raft leader's warning that a follower cannot be reached is logged once per
 *       follower every 10 s, not at every attempt ({@link RepeatedWarningFilter}).
 * </ul>
 * rlctl's own output goes to standard output, apart from the logs. An operator's own Logback
 * file ({@code -Dlogback.configurationFile=...}) replaces all of this.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
  static final String RATIS_APPENDER = "org.apache.ratis.grpc.server.GrpcLogAppender";
  private static final String PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY; // the operator's own configuration wins
    }
    String level = System.getProperty(LogOptions.LEVEL);
    String file = System.getProperty(LogOptions.FILE);
    boolean json = "json".equalsIgnoreCase(System.getProperty(LogOptions.FORMAT, "text"));

    Encoder<ILoggingEvent> encoder = json ? jsonEncoder(context) : textEncoder(context);
    OutputStreamAppender<ILoggingEvent> appender = file == null ? console(context)
        : rolling(context, file);
    appender.setEncoder(encoder);
    appender.start();

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(level, Level.WARN));
    root.addAppender(appender);
    context.getLogger("org.apache.ratis").setLevel(level == null ? Level.ERROR
        : Level.toLevel(level, Level.ERROR));
    // The Raft client logs every request that failed over to another node with a stack trace,
    // at ERROR; failover is expected and shows in rlctl's own output instead.
    context.getLogger("org.apache.ratis.client.impl.OrderedAsync").setLevel(Level.OFF);
    // A leader logs every failed attempt to reach a follower that is down, hundreds a second.
    RepeatedWarningFilter repeats = new RepeatedWarningFilter(Set.of(RATIS_APPENDER),
        TimeUnit.SECONDS.toNanos(10), System::nanoTime);
    repeats.setContext(context);
    repeats.start();
    context.addTurboFilter(repeats);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  private static ConsoleAppender<ILoggingEvent> console(LoggerContext context) {
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("stderr");
    console.setTarget("System.err");
    return console;
  }

  private static RollingFileAppender<ILoggingEvent> rolling(LoggerContext context, String file) {
    RollingFileAppender<ILoggingEvent> rolling = new RollingFileAppender<>();
    rolling.setContext(context);
    rolling.setName("file");
    rolling.setFile(file);
    SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
    policy.setContext(context);
    policy.setParent(rolling);
    policy.setFileNamePattern(file + ".%d{yyyy-MM-dd}.%i.gz");
    policy.setMaxFileSize(FileSize.valueOf("100MB"));
    policy.setMaxHistory(7);
    policy.setTotalSizeCap(FileSize.valueOf("1GB"));
    policy.start();
    rolling.setRollingPolicy(policy);
    return rolling;
  }

  private static Encoder<ILoggingEvent> textEncoder(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    return encoder;
  }

  private static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context) {
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    encoder.setWithFormattedMessage(true); // the message with its arguments filled in
    encoder.start();
    return encoder;
  }
}
