package io.raftlimiter.cli;

import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.LimitRules;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;

/**
 * The limit rules as a YAML file, to keep under review with the rest of a deployment
 * ({@code rlctl limits export} writes it, {@code rlctl limits apply} reads it):
 * <pre>
 * rules:
 *   - prefix: ""            # '' is every key without a longer match: the cluster default
 *     capacity: 100
 *     refill_per_second: 50
 *   - prefix: "api:"
 *     capacity: 10
 *     refill_per_second: 1
 *     shadow: true          # optional; decide and count, but let refusals through
 * </pre>
 * Read strictly: an unknown field, a missing one, a wrong type or a repeated key is an error
 * naming the rule, never a rule quietly left out.
 */
final class RuleFile {
  private static final Set<String> FIELDS =
      Set.of("prefix", "capacity", "refill_per_second", "shadow");
  /** A rules file is small; more than this is a mistake, not a rule set (10,000 rules fit). */
  private static final int MAX_CODE_POINTS = 8 << 20;

  private RuleFile() {}

  static String render(LimitRules rules) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (LimitRule rule : rules.getRulesList()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("prefix", rule.getPrefix());
      entry.put("capacity", rule.getCapacity());
      double refill = rule.getRefillPerSecond();
      entry.put("refill_per_second", refill == Math.rint(refill) && Math.abs(refill) < 1e15
          ? (Object) (long) refill : (Object) refill);
      if (rule.getShadow()) {
        entry.put("shadow", true);
      }
      list.add(entry);
    }
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setDefaultScalarStyle(DumperOptions.ScalarStyle.PLAIN);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    Yaml yaml = new Yaml(new Representer(options), options);
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("rules", list);
    return "# raftlimiter limit rules, exported at metadata version " + rules.getVersion()
        + " (digest " + rules.getDigest() + ").\n"
        + "# Edit and apply with: rlctl limits apply -f FILE [--dry-run]\n"
        + yaml.dump(document);
  }

  /** The rules a file holds, in file order; fails with a message naming what is wrong. */
  static List<LimitRule> parse(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(0);
    options.setCodePointLimit(MAX_CODE_POINTS);
    Object document;
    try {
      document = new Yaml(new SafeConstructor(options)).load(text);
    } catch (YAMLException e) {
      throw new IllegalArgumentException("not valid YAML: " + e.getMessage());
    }
    if (!(document instanceof Map<?, ?> top) || !(top.get("rules") instanceof List<?> list)
        || top.size() != 1) {
      throw new IllegalArgumentException("expected a document with one field, 'rules', holding "
          + "a list of rules (see 'rlctl limits export')");
    }
    List<LimitRule> rules = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String where = "rule " + (i + 1);
      if (!(list.get(i) instanceof Map<?, ?> fields)) {
        throw new IllegalArgumentException(where + ": expected prefix, capacity and "
            + "refill_per_second");
      }
      for (Object field : fields.keySet()) {
        if (!FIELDS.contains(field)) {
          throw new IllegalArgumentException(where + ": unknown field '" + field + "'; a rule "
              + "has prefix, capacity, refill_per_second and optionally shadow");
        }
      }
      Object prefix = fields.get("prefix");
      if (!(prefix instanceof String prefixText)) {
        throw new IllegalArgumentException(where + ": prefix must be a string (quote it; \"\" is "
            + "the default rule), got " + prefix);
      }
      where = "rule " + (i + 1) + " ('" + prefixText + "')";
      Object capacity = fields.get("capacity");
      if (!(capacity instanceof Integer || capacity instanceof Long)) {
        throw new IllegalArgumentException(where + ": capacity must be a whole number, got "
            + capacity);
      }
      Object refill = fields.get("refill_per_second");
      if (!(refill instanceof Number number) || refill instanceof java.math.BigInteger) {
        throw new IllegalArgumentException(where + ": refill_per_second must be a number, got "
            + refill);
      }
      Object shadow = fields.containsKey("shadow") ? fields.get("shadow") : Boolean.FALSE;
      if (!(shadow instanceof Boolean flag)) {
        throw new IllegalArgumentException(where + ": shadow must be true or false, got "
            + shadow);
      }
      rules.add(LimitRule.newBuilder().setPrefix(prefixText)
          .setCapacity(((Number) capacity).longValue())
          .setRefillPerSecond(number.doubleValue()).setShadow(flag).build());
    }
    return rules;
  }
}
