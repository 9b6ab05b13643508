package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.cli.ScalingPolicy.Action;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The autoscaler's one step: what it does for each decision, and that a failure leaves it running. */
class AutoscaleCommandTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  @Test
  void addsAndDrainsAndReportsEach() {
    FakeLauncher launcher = new FakeLauncher(false);
    AutoscaleCommand.act(Action.ADD, launcher, out);
    AutoscaleCommand.act(Action.DRAIN, launcher, out);
    AutoscaleCommand.act(Action.NONE, launcher, out);
    assertEquals(List.of("add", "drain n4"), launcher.calls);
    assertEquals("load high: added n4\nload low: drained n4\n", text());
  }

  @Test
  void aFailedAddOrDrainIsReportedAndTheAutoscalerGoesOn() {
    FakeLauncher launcher = new FakeLauncher(true);
    AutoscaleCommand.act(Action.ADD, launcher, out);
    AutoscaleCommand.act(Action.DRAIN, launcher, out);
    String text = text();
    assertTrue(text.contains("load high: could not add a node (java.lang.IllegalStateException: "
        + "add-node failed)"), text);
    assertTrue(text.contains("load low: could not drain a node (java.lang.IllegalStateException: "
        + "remove-node n4 failed)"), text);
    assertEquals(List.of("add", "drain n4"), launcher.calls);
  }

  @Test
  void noCandidateMeansNothingIsDrained() {
    FakeLauncher launcher = new FakeLauncher(false);
    launcher.candidate = null;
    AutoscaleCommand.act(Action.DRAIN, launcher, out);
    assertEquals(List.of(), launcher.calls);
    assertEquals("", text());
  }

  private String text() {
    return bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
  }

  private static final class FakeLauncher implements NodeLauncher {
    final List<String> calls = new ArrayList<>();
    final boolean fail;
    String candidate = "n4";

    FakeLauncher(boolean fail) {
      this.fail = fail;
    }

    @Override
    public String add() {
      calls.add("add");
      if (fail) {
        throw new IllegalStateException("add-node failed");
      }
      return "n4";
    }

    @Override
    public void drain(String id) {
      calls.add("drain " + id);
      if (fail) {
        throw new IllegalStateException("remove-node " + id + " failed");
      }
    }

    @Override
    public List<String> nodes() {
      return List.of();
    }

    @Override
    public String drainCandidate() {
      return candidate;
    }
  }
}
