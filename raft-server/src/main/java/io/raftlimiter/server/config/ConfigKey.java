package io.raftlimiter.server.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A typed setting: its name, default, how to parse it from text (a flag, a file, an environment
 * variable) and the range it must fall in. A bad value is a {@link ConfigException} that names the
 * setting and the allowed range.
 */
public final class ConfigKey<T> {
  private final String name;
  private final Class<T> type;
  private final T defaultValue;
  private final Function<String, T> parser;
  private final Predicate<T> valid;
  private final String allowed;
  private final String description;

  private ConfigKey(String name, Class<T> type, T defaultValue, Function<String, T> parser,
      Predicate<T> valid, String allowed, String description) {
    this.name = name;
    this.type = type;
    this.defaultValue = defaultValue;
    this.parser = parser;
    this.valid = valid;
    this.allowed = allowed;
    this.description = description;
  }

  public static ConfigKey<Integer> intKey(String name, Integer defaultValue, int min, int max,
      String description) {
    return new ConfigKey<>(name, Integer.class, defaultValue, Integer::valueOf,
        v -> v >= min && v <= max, "an integer from " + min + " to " + max, description);
  }

  public static ConfigKey<Long> longKey(String name, Long defaultValue, long min, long max,
      String description) {
    return new ConfigKey<>(name, Long.class, defaultValue, Long::valueOf,
        v -> v >= min && v <= max, "an integer from " + min + " to " + max, description);
  }

  public static ConfigKey<Double> doubleKey(String name, Double defaultValue, double min, double max,
      String description) {
    return new ConfigKey<>(name, Double.class, defaultValue, Double::valueOf,
        v -> Double.isFinite(v) && v >= min && v <= max, "a number from " + min + " to " + max,
        description);
  }

  public static ConfigKey<String> stringKey(String name, String defaultValue, String pattern,
      String allowed, String description) {
    return new ConfigKey<>(name, String.class, defaultValue, s -> s,
        v -> v.matches(pattern), allowed, description);
  }

  /** A string checked by {@code valid}, which may throw a {@link ConfigException} of its own. */
  public static ConfigKey<String> stringKey(String name, String defaultValue, Predicate<String> valid,
      String allowed, String description) {
    return new ConfigKey<>(name, String.class, defaultValue, s -> s, valid, allowed, description);
  }

  public static ConfigKey<Path> pathKey(String name, String description) {
    return new ConfigKey<>(name, Path.class, null, Path::of, v -> true, "a directory path",
        description);
  }

  /** A file's path; unset (null) unless given. */
  public static ConfigKey<Path> fileKey(String name, String description) {
    return new ConfigKey<>(name, Path.class, null, Path::of, v -> true, "a file path",
        description);
  }

  public static <E extends Enum<E>> ConfigKey<E> enumKey(String name, Class<E> type, E defaultValue,
      String description) {
    StringBuilder names = new StringBuilder();
    for (E constant : type.getEnumConstants()) {
      names.append(names.length() == 0 ? "" : ", ").append(constant.name());
    }
    return new ConfigKey<>(name, type, defaultValue,
        // "lower-only" reads as LOWER_ONLY: settings are written in lower case with dashes
        s -> Enum.valueOf(type, s.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_')),
        v -> true,
        "one of " + names, description);
  }

  public String name() {
    return name;
  }

  public T defaultValue() {
    return defaultValue;
  }

  public String allowed() {
    return allowed;
  }

  public String description() {
    return description;
  }

  /** The environment variable for this key: {@code RAFTLIMITER_} + the name in upper snake case. */
  public String environmentVariable() {
    return "RAFTLIMITER_" + name.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** Parses and checks a textual value. */
  public T parse(String raw) {
    Objects.requireNonNull(raw, name);
    T value;
    try {
      value = parser.apply(raw.trim());
    } catch (RuntimeException e) {
      throw new ConfigException(name + ": '" + raw + "' is not valid; allowed: " + allowed);
    }
    return check(value);
  }

  /** Checks a typed value against the allowed range. */
  public T check(T value) {
    if (value == null || !type.isInstance(value) || !valid.test(value)) {
      throw new ConfigException(name + ": '" + value + "' is out of range; allowed: " + allowed);
    }
    return value;
  }

  @Override
  public String toString() {
    return name;
  }
}
