package io.raftlimiter.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.meta.ClusterShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node decides only once its settings were compared with the cluster's recorded shape. */
class ShapeGuardTest {
  @TempDir Path dir;

  private static ClusterShape shape(int groups, int replication) {
    return new ClusterShape(List.of("n1=127.0.0.1:1:2"), groups, replication);
  }

  @Test
  void aNodeThatNeverCheckedRefusesUntilItHas() throws IOException {
    ShapeGuard guard = ShapeGuard.load(shape(2, 3), dir.resolve(ShapeGuard.FILE));
    assertFalse(guard.checked());
    assertEquals(ShapeGuard.NOT_CHECKED, guard.refusal());

    assertNull(guard.check(shape(2, 3)));
    assertTrue(guard.checked());
    assertNull(guard.refusal());
  }

  @Test
  void aMismatchRefusesNamingBothSettings() throws IOException {
    ShapeGuard guard = ShapeGuard.load(shape(4, 3), dir.resolve(ShapeGuard.FILE));
    String mismatch = guard.check(shape(2, 3));
    assertTrue(mismatch.contains("cluster.groups=4") && mismatch.contains("cluster.groups=2"),
        mismatch);
    assertEquals(mismatch, guard.refusal());
    assertTrue(guard.checked());

    ShapeGuard otherReplication = ShapeGuard.load(shape(2, 5), dir.resolve("other"));
    assertTrue(otherReplication.check(shape(2, 3)).contains("cluster.replication=5"));
  }

  @Test
  void aRestartDecidesAtOnceWithAgreeingSettingsAndRefusesAtOnceWithOthers() throws IOException {
    Path file = dir.resolve(ShapeGuard.FILE);
    ShapeGuard.load(shape(2, 3), file).check(shape(2, 3));

    ShapeGuard same = ShapeGuard.load(shape(2, 3), file);
    assertTrue(same.checked());
    assertNull(same.refusal());

    ShapeGuard changed = ShapeGuard.load(shape(4, 3), file);
    assertTrue(changed.checked());
    assertTrue(changed.refusal().contains("cluster.groups=4"), changed.refusal());
    assertTrue(changed.refusal().contains("cluster.groups=2"), changed.refusal());
  }

  @Test
  void theRecordedShapeIsKeptEvenWhenTheSettingsDiffer() throws IOException {
    Path file = dir.resolve(ShapeGuard.FILE);
    ShapeGuard.load(shape(4, 3), file).check(shape(2, 3));
    // Restarted with the cluster's settings, it decides at once.
    assertNull(ShapeGuard.load(shape(2, 3), file).refusal());
  }

  @Test
  void anUnreadableRecordStopsTheStart() throws IOException {
    Path file = dir.resolve(ShapeGuard.FILE);
    Files.writeString(file, "cluster.groups=two\n");
    IOException e = assertThrows(IOException.class, () -> ShapeGuard.load(shape(2, 3), file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }
}
