package io.raftlimiter.server.envoy;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit;
import io.raftlimiter.bucket.BucketLimit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads descriptor configurations in the YAML format of Envoy's ratelimit service, one domain
 * per file:
 *
 * <pre>
 * domain: edge
 * descriptors:
 *   - key: remote_address          # any value: one bucket per address
 *     rate_limit: {unit: minute, requests_per_unit: 60}
 *   - key: path
 *     value: /login
 *     rate_limit: {unit: second, requests_per_unit: 5, name: login}
 *     shadow_mode: true
 *     descriptors:                 # nested: a descriptor with both entries
 *       - key: remote_address
 *         rate_limit: {unit: hour, requests_per_unit: 20}
 * </pre>
 *
 * A {@code rate_limit} has a {@code unit} and {@code requests_per_unit}, or {@code unlimited:
 * true}. A descriptor's decisions are counted under its stat key as Envoy's service names it
 * ({@code domain.key_value.key}), or with {@code detailed_metric: true} under the values each
 * request sent; {@code value_to_metric} is accepted and has no effect, and {@code name} is named
 * in answers;
 * {@code replaces} is refused, since this service does not implement it. Anything else
 * unknown is refused rather than ignored, so that a misspelt field cannot silently leave a route
 * unlimited. Pure: the caller reads the files.
 */
public final class DescriptorConfigParser {
  private static final Set<String> FILE_FIELDS = Set.of("domain", "descriptors");
  private static final Set<String> DESCRIPTOR_FIELDS = Set.of("key", "value", "rate_limit",
      "descriptors", "shadow_mode", "detailed_metric", "value_to_metric");
  private static final Set<String> LIMIT_FIELDS = Set.of("unit", "requests_per_unit",
      "unlimited", "name", "replaces");
  /** Deeper than any real descriptor (Envoy sends a handful of entries); bounds the recursion. */
  private static final int MAX_DEPTH = 32;
  /**
   * Descriptors in all files together, each use of an alias counted: far more than any real
   * configuration (tens of megabytes of tree), while anchors and aliases let a file of 2 KB
   * stand for tens of millions ("billion laughs"), which would take every node down at reload
   * and at start. Counted while the tree is built, so a bomb is refused after this many.
   */
  static final int MAX_DESCRIPTORS = 100_000;
  /**
   * Aliases to lists and mappings per file (YAML's own bound, checked while reading the text):
   * room to share rate_limit blocks, and each alias still counts in {@link #MAX_DESCRIPTORS}.
   */
  private static final int MAX_COLLECTION_ALIASES = 50;
  /** Characters per file: at some 20 a descriptor, room for {@link #MAX_DESCRIPTORS}. */
  static final int MAX_FILE_CODE_POINTS = 2 << 20;

  private DescriptorConfigParser() {}

  /**
   * The configuration of {@code files} (name to YAML text), each one domain.
   *
   * @throws DescriptorConfigException naming the file and field at fault; nothing is half-read
   */
  public static DescriptorConfig parse(Map<String, String> files)
      throws DescriptorConfigException {
    DescriptorConfig.Builder config = new DescriptorConfig.Builder();
    Budget budget = new Budget();
    for (Map.Entry<String, String> file : files.entrySet()) {
      String name = file.getKey();
      Map<?, ?> root = map(load(name, file.getValue()), name, "the file");
      checkFields(root, FILE_FIELDS, name, "the file");
      String domain = string(root.get("domain"), name, "domain");
      if (domain == null || domain.isEmpty()) {
        throw new DescriptorConfigException(name + ": domain must be set");
      }
      DescriptorConfig.Level tree = level(root.get("descriptors"), name, "descriptors", 0,
          budget, domain);
      if (!config.add(domain, tree)) {
        throw new DescriptorConfigException(name + ": domain '" + domain
            + "' is configured by another file too");
      }
    }
    return config.build();
  }

  private static Object load(String name, String text) throws DescriptorConfigException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
    options.setCodePointLimit(MAX_FILE_CODE_POINTS);
    options.setNestingDepthLimit(4 * MAX_DEPTH);
    try {
      // SafeConstructor: plain maps, lists and scalars only, never objects named by the file.
      // No implicit types but null: every other scalar stays the text it is (value: 08 or
      // value: 2024-01-01 must match what Envoy sends), and numbers and booleans are read here;
      // an empty or ~ value is null, as for Envoy's ratelimit service.
      return new Yaml(new SafeConstructor(options), new Representer(new DumperOptions()),
          new DumperOptions(), options, new Resolver() {
            @Override
            protected void addImplicitResolvers() {
              addImplicitResolver(Tag.NULL, Resolver.NULL, "~nN\0");
              addImplicitResolver(Tag.NULL, Resolver.EMPTY, null);
            }
          }).load(text);
    } catch (YAMLException e) {
      throw new DescriptorConfigException(name + ": not valid YAML: " + e.getMessage());
    } catch (RuntimeException e) {
      // an explicit tag whose text is not its type (!!int abc, !!binary %): no valid file has one
      throw new DescriptorConfigException(name + ": not valid YAML: " + e);
    }
  }

  /**
   * @param statKey the stat key of the level's parent ({@code domain}, or
   *     {@code domain.key_value...} below it), which its descriptors' stat keys extend
   */
  private static DescriptorConfig.Level level(Object descriptors, String file, String path,
      int depth, Budget budget, String statKey) throws DescriptorConfigException {
    DescriptorConfig.Level level = new DescriptorConfig.Level();
    if (descriptors == null) {
      return level;
    }
    if (!(descriptors instanceof List<?> list)) {
      throw new DescriptorConfigException(file + ": " + path + " must be a list");
    }
    if (depth >= MAX_DEPTH) {
      throw new DescriptorConfigException(file + ": " + path + " is nested deeper than "
          + MAX_DEPTH + " levels");
    }
    for (int i = 0; i < list.size(); i++) {
      String at = path + "[" + i + "]";
      budget.take(file);
      DescriptorConfig.Node node = node(map(list.get(i), file, at), file, at, depth, budget,
          statKey);
      if (!level.add(node)) {
        throw new DescriptorConfigException(file + ": " + at + " repeats key '" + node.key()
            + "'" + (node.value() == null ? "" : " with value '" + node.value() + "'")
            + " at the same level");
      }
    }
    return level;
  }

  private static DescriptorConfig.Node node(Map<?, ?> fields, String file, String path,
      int depth, Budget budget, String parentStatKey) throws DescriptorConfigException {
    checkFields(fields, DESCRIPTOR_FIELDS, file, path);
    String key = string(fields.get("key"), file, path + ".key");
    if (key == null || key.isEmpty()) {
      throw new DescriptorConfigException(file + ": " + path + ".key must be set");
    }
    String value = string(fields.get("value"), file, path + ".value");
    if (value != null && value.isEmpty()) {
      value = null; // no value: any value, as for Envoy's ratelimit service
    }
    boolean shadow = bool(fields.get("shadow_mode"), file, path + ".shadow_mode");
    boolean detailed = bool(fields.get("detailed_metric"), file, path + ".detailed_metric");
    bool(fields.get("value_to_metric"), file, path + ".value_to_metric");
    // Envoy's ratelimit service names a descriptor's stats this way: its parent's key, then
    // ".key", then "_value" when the file gives a value.
    String statKey = parentStatKey + "." + key + (value == null ? "" : "_" + value);
    ConfiguredLimit limit = fields.get("rate_limit") == null ? null
        : limit(map(fields.get("rate_limit"), file, path + ".rate_limit"), shadow, statKey,
            detailed, file, path + ".rate_limit");
    return new DescriptorConfig.Node(key, value, limit,
        level(fields.get("descriptors"), file, path + ".descriptors", depth + 1, budget,
            statKey));
  }

  /** The limit of a {@code rate_limit} block; null for {@code unlimited: true}. */
  private static ConfiguredLimit limit(Map<?, ?> fields, boolean shadow, String statKey,
      boolean detailedMetric, String file, String path) throws DescriptorConfigException {
    checkFields(fields, LIMIT_FIELDS, file, path);
    if (fields.containsKey("replaces")) {
      throw new DescriptorConfigException(file + ": " + path + ".replaces is not supported: "
          + "every matching limit here is the one its descriptor reaches");
    }
    String name = string(fields.get("name"), file, path + ".name");
    if (bool(fields.get("unlimited"), file, path + ".unlimited")) {
      if (fields.containsKey("unit") || fields.containsKey("requests_per_unit")) {
        throw new DescriptorConfigException(file + ": " + path
            + " is unlimited and must not also set unit or requests_per_unit");
      }
      return null;
    }
    String unitName = string(fields.get("unit"), file, path + ".unit");
    if (unitName == null) {
      throw new DescriptorConfigException(file + ": " + path + ".unit must be set (one of "
          + EnvoyUnits.names() + "), or unlimited: true");
    }
    Unit unit = EnvoyUnits.named(unitName);
    if (unit == null) {
      throw new DescriptorConfigException(file + ": " + path + ".unit '" + unitName
          + "' is not one of " + EnvoyUnits.names());
    }
    String perUnitText = string(fields.get("requests_per_unit"), file, path
        + ".requests_per_unit");
    if (perUnitText == null) {
      throw new DescriptorConfigException(file + ": " + path + ".requests_per_unit must be set");
    }
    long perUnit;
    try {
      perUnit = Long.parseLong(perUnitText);
    } catch (NumberFormatException e) {
      throw new DescriptorConfigException(file + ": " + path
          + ".requests_per_unit must be a whole number, got " + perUnitText);
    }
    if (perUnit < 0 || perUnit > BucketLimit.MAX_CAPACITY) {
      throw new DescriptorConfigException(file + ": " + path + ".requests_per_unit must be from "
          + "0 to " + BucketLimit.MAX_CAPACITY + ", got " + perUnit);
    }
    BucketLimit bucket = null;
    if (perUnit > 0) {
      try {
        bucket = EnvoyUnits.bucket(perUnit, unit);
      } catch (IllegalArgumentException e) {
        throw new DescriptorConfigException(file + ": " + path + ": " + perUnit + " per "
            + unitName + " is too slow a refill for a bucket to hold within 1% ("
            + e.getMessage() + "): give more requests per unit");
      }
    }
    return new ConfiguredLimit(perUnit, unit, name == null ? "" : name, bucket, shadow, statKey,
        detailedMetric);
  }

  /** The descriptors still allowed, over all files of one configuration. */
  private static final class Budget {
    private int left = MAX_DESCRIPTORS;

    void take(String file) throws DescriptorConfigException {
      if (--left < 0) {
        throw new DescriptorConfigException(file + ": the descriptors expand to more than "
            + MAX_DESCRIPTORS + " descriptors (the bound for all files together; each use of "
            + "a YAML alias counts)");
      }
    }
  }

  private static void checkFields(Map<?, ?> fields, Set<String> known, String file, String path)
      throws DescriptorConfigException {
    for (Object field : fields.keySet()) {
      if (!known.contains(String.valueOf(field))) {
        throw new DescriptorConfigException(file + ": " + path + " has an unknown field '"
            + field + "'; known: " + String.join(", ", known.stream().sorted().toList()));
      }
    }
  }

  private static Map<?, ?> map(Object value, String file, String path)
      throws DescriptorConfigException {
    if (value instanceof Map<?, ?> map) {
      return map;
    }
    throw new DescriptorConfigException(file + ": " + path + " must be a mapping, got "
        + (value == null ? "nothing" : value));
  }

  /** A scalar's text; null if unset. */
  private static String string(Object value, String file, String path)
      throws DescriptorConfigException {
    if (value == null || value instanceof String) {
      return (String) value;
    }
    // a list, a mapping, or a scalar an explicit tag made something else (!!binary, !!int)
    throw new DescriptorConfigException(file + ": " + path + " must be a single value without "
        + "a type tag");
  }

  private static boolean bool(Object value, String file, String path)
      throws DescriptorConfigException {
    if (value == null) {
      return false;
    }
    String text = string(value, file, path);
    if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(text);
    }
    throw new DescriptorConfigException(file + ": " + path + " must be true or false, got "
        + value);
  }
}
