package io.raftlimiter.server.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BuildInfoTest {
  /** The build writes its version in; a node says it in its metrics. */
  @Test
  void theBuildsVersionIsKnownAndExported() throws Exception {
    BuildInfo build = BuildInfo.current();
    assertTrue(build.version().matches("\\d+\\.\\d+\\.\\d+.*"), build.toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create()
        .write(out, new NodeMetrics().prometheus().scrape());
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("raftlimiter_build_info{commit=\"" + build.commit()
        + "\",version=\"" + build.version() + "\"} 1"), text);
  }

  @Test
  void whatTheBuildDidNotFillInIsUnknown() {
    assertEquals("unknown", BuildInfo.known("${raftlimiter.commit}"));
    assertEquals("unknown", BuildInfo.known(null));
    assertEquals("abc123", BuildInfo.known(" abc123 "));
  }
}
